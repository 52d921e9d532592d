// n8n run as a server (serverSuite.ts) in the node22 target: see targets.ts.
import { calendarPart } from './calendarSuite';
import { describeServerIn } from './serverSuite';
import { TARGETS } from './targets';

describeServerIn(TARGETS.node22, ['regular'], (mode) => [calendarPart(mode, { storage: false, kills: false })]);
