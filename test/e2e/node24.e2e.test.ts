// The end-to-end suite (suite.ts) in the newest n8n 2.x, on Node 24: see targets.ts.
import { describeExamplesIn } from './suite';
import { TARGETS } from './targets';

describeExamplesIn(TARGETS.node24);
