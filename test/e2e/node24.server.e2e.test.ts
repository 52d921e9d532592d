// n8n run as a server (serverSuite.ts) in the node24 target: see targets.ts.
import { calendarPart } from './calendarSuite';
import { lostRunPart } from './lostRunSuite';
import { repeatPart } from './repeatSuite';
import { describeServerIn } from './serverSuite';
import { TARGETS } from './targets';

describeServerIn(TARGETS.node24, ['regular', 'queue'], (mode) => [lostRunPart(mode), calendarPart(mode, { storage: true, kills: false }), repeatPart(mode)]);
