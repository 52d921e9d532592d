// The end-to-end suite (suite.ts) in the newest n8n 1.x on Node 22: see targets.ts.
import { describeExamplesIn } from './suite';
import { TARGETS } from './targets';

describeExamplesIn(TARGETS.n8n1);
