// The video calendar (calendarSuite.ts) in the node24 target: see targets.ts.
import { describeCalendarIn } from './calendarSuite';
import { TARGETS } from './targets';

describeCalendarIn(TARGETS.node24, ['regular', 'queue'], false);
