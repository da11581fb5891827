// Linkerd's "Beyond Round Robin" (2016), reproduced: the published success rates within stated bounds.
import { testClaims } from './scenario-claims.js';

testClaims('linkerd-beyond-round-robin');
