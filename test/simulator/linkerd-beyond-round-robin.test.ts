// Linkerd's "Beyond Round Robin" (2016), reproduced: the published success rates within stated bounds.
// Each balancer runs a minute of 1,000 req/s; the what-the-rest-of-the-client-adds claims are in
// linkerd-beyond-round-robin-client.test.ts, so the two files run side by side.
import { testClaims } from './scenario-claims.js';

testClaims('linkerd-beyond-round-robin', ['round-robin', 'least-request', 'p2c-ewma']);
