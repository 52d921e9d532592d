// The unit and integration tests' setup: the task ledger's marks are confirmed 10 ms after their write instead of
// 1.5 s (markStore.ts). The hand-made store has no second writer to wait out; markStore.test.ts plays one, and the
// end-to-end suite runs the node in n8n with the real wait.
import { MARK_CONFIRMATION } from '../../nodes/CogVideoX/run/markStore';

MARK_CONFIRMATION.afterMs = 10;
