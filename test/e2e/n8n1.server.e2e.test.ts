// n8n run as a server (serverSuite.ts) in the n8n1 target: see targets.ts. The video calendar in regular mode; in
// queue mode, a worker lost mid-wait, whose job n8n 1.x runs again on another worker (lostRunSuite.ts).
import { calendarPart } from './calendarSuite';
import { lostRunPart } from './lostRunSuite';
import { describeServerIn } from './serverSuite';
import { TARGETS } from './targets';

describeServerIn(TARGETS.n8n1, ['regular', 'queue'], (mode) => (mode === 'regular' ? [calendarPart(mode, { storage: false, kills: false })] : [lostRunPart(mode)]));
