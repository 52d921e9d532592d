// The video calendar (calendarSuite.ts) in the node20 target: see targets.ts.
import { describeCalendarIn } from './calendarSuite';
import { TARGETS } from './targets';

describeCalendarIn(TARGETS.node20, ['regular', 'queue'], true);
