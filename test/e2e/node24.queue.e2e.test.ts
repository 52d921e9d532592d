// The queue-mode suite (queueSuite.ts) in the node24 target: see targets.ts.
import { describeQueueIn } from './queueSuite';
import { TARGETS } from './targets';

describeQueueIn(TARGETS.node24);
