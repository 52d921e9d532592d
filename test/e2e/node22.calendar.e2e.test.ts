// The video calendar (calendarSuite.ts) in the node22 target: see targets.ts.
import { describeCalendarIn } from './calendarSuite';
import { TARGETS } from './targets';

describeCalendarIn(TARGETS.node22, ['regular'], false);
