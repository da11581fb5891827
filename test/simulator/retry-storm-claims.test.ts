// What the retry budget does when every instance fails half its requests.
import { testClaims } from './scenario-claims.js';

testClaims('retry-storm');
