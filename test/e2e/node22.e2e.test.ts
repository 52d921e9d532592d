// The end-to-end suite (suite.ts) in the newest n8n that runs on Node 22: see targets.ts.
import { describeExamplesIn } from './suite';
import { TARGETS } from './targets';

describeExamplesIn(TARGETS.node22);
