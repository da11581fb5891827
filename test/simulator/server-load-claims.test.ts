// The claims about balancing on server-reported load: many clients, one instance with a noisy neighbour.
import { testClaims } from './scenario-claims.js';

testClaims('noisy-neighbour');
