// n8n run as a server (serverSuite.ts) in the n8n1 target: see targets.ts.
import { calendarPart } from './calendarSuite';
import { describeServerIn } from './serverSuite';
import { TARGETS } from './targets';

describeServerIn(TARGETS.n8n1, ['regular'], (mode) => [calendarPart(mode, { storage: false, kills: false })]);
