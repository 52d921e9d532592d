// n8n run as a server (serverSuite.ts) in the node24 target: see targets.ts. The calendar's kill test runs in queue
// mode here (workers killed, the main and the database go on) and in both modes on 2.8.4.
import { calendarPart } from './calendarSuite';
import { lostRunPart } from './lostRunSuite';
import { repeatPart } from './repeatSuite';
import { describeServerIn } from './serverSuite';
import { TARGETS } from './targets';

describeServerIn(TARGETS.node24, ['regular', 'queue'], (mode) => [lostRunPart(mode), calendarPart(mode, { storage: true, kills: mode === 'queue' }), repeatPart(mode)]);
