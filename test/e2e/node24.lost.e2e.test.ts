// n8n going away mid-wait (lostRunSuite.ts) in the node24 target: see targets.ts.
import { describeLostRunsIn } from './lostRunSuite';
import { TARGETS } from './targets';

describeLostRunsIn(TARGETS.node24);
