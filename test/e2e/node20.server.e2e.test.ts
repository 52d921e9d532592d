// n8n run as a server (serverSuite.ts) in the node20 target: see targets.ts. In regular mode, first a deploy's
// SIGTERM in the middle of a batch (deployGraceSuite.ts).
import { calendarPart } from './calendarSuite';
import { deployGracePart } from './deployGraceSuite';
import { lostRunPart } from './lostRunSuite';
import { repeatPart } from './repeatSuite';
import { describeServerIn } from './serverSuite';
import { TARGETS } from './targets';

describeServerIn(TARGETS.node20, ['regular', 'queue'], (mode) => [
	...(mode === 'regular' ? [deployGracePart()] : []),
	lostRunPart(mode),
	calendarPart(mode, { storage: true, kills: true }),
	repeatPart(mode),
]);
