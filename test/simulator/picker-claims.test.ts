// The claims about pickers alone (retries and breakers off), on the four picker scenarios.
import { testClaims } from './scenario-claims.js';

testClaims('one-slow');
testClaims('one-failing');
testClaims('heterogeneous');
testClaims('bursty');
