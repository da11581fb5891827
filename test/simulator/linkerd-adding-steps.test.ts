// Linkerd's "Making Things Faster by Adding More Steps" (2017), reproduced: success, p99 and throughput.
import { testClaims } from './scenario-claims.js';

testClaims('linkerd-adding-steps');
