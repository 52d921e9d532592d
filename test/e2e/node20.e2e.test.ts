// The end-to-end suite (suite.ts) in n8n 2.8.4, the newest n8n that runs on Node 20: see targets.ts.
import { describeExamplesIn } from './suite';
import { TARGETS } from './targets';

describeExamplesIn(TARGETS.node20);
