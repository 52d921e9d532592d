// The unit and integration tests' setup: the task ledger's marks are confirmed 10 ms after their write instead of
// 1 s, and an open item's marks are written again every 50 ms instead of 10 s (markStore.ts). The hand-made store
// has no second writer to wait out; markStore.test.ts plays one, and the end-to-end suite runs the node in n8n with
// the real times.
import { MARK_CONFIRMATION } from '../../nodes/CogVideoX/run/markStore';

MARK_CONFIRMATION.afterMs = 10;
MARK_CONFIRMATION.keepEveryMs = 50;
