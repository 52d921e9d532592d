// The queue-mode suite (queueSuite.ts) in the node20 target: see targets.ts.
import { describeQueueIn } from './queueSuite';
import { TARGETS } from './targets';

describeQueueIn(TARGETS.node20);
