// Linkerd's "Beyond Round Robin" (2016) scenario, with the rest of the client: attempt timeouts with
// retries and breakers, and hedging, repair what round-robin cannot.
import { testClaims } from './scenario-claims.js';

testClaims('linkerd-beyond-round-robin', ['round-robin, 300 ms attempt timeout', 'round-robin, hedge after p95']);
