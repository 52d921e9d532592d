// The video calendar (calendarSuite.ts) in the n8n1 target: see targets.ts.
import { describeCalendarIn } from './calendarSuite';
import { TARGETS } from './targets';

describeCalendarIn(TARGETS.n8n1, ['regular'], false);
