/**
 * Errors of one item's run, and the plain-language lines for the API's error codes (API.md's table).
 * Everything here is free of credentials: messages are built from status codes and the API's own error text.
 */

/** A failure of one item. The item runner turns it into n8n's NodeApiError or NodeOperationError. */
export class VideoError extends Error {
	/** Set when the failure came from an HTTP answer. */
	httpCode?: number;
	/** The API's own error code, e.g. "1113". */
	apiCode?: string;
	/** What kind of failure it was; transient kinds may be retried. */
	kind?: FailureKind;
	description?: string;
	/** Set as soon as a task exists, so the error can name it and a later Get Result can pick it up. */
	taskId?: string;
	/** A create went unanswered: a task may exist that the node could not learn about. */
	taskMayExist?: boolean;

	constructor(message: string, details: Partial<Pick<VideoError, 'httpCode' | 'apiCode' | 'kind' | 'description' | 'taskId' | 'taskMayExist'>> = {}) {
		super(message);
		this.name = 'VideoError';
		Object.assign(this, details);
	}
}

/** Bad input, found before anything is sent. */
export class InputError extends VideoError {
	constructor(message: string) {
		super(message, { kind: 'input' });
		this.name = 'InputError';
	}
}

/**
 * The API's error as it arrived. The platforms answer `{"error":{"code","message"}}`; one spec page shows a top-level
 * `{code, message}`, and the official Java SDK reads `{"error":"<text>","code"}` and `{"msg","code"}` too. The code
 * may be a string or a number.
 */
export function readApiError(body: unknown): { code?: string; message?: string } {
	if (!body || typeof body !== 'object') return {};
	const record = body as Record<string, unknown>;
	const inner = record.error && typeof record.error === 'object' ? (record.error as Record<string, unknown>) : {};
	const code = [inner.code, record.code].find((value) => typeof value === 'string' || typeof value === 'number');
	const message = [inner.message, record.error, record.message, record.msg].find((value) => typeof value === 'string' && value.trim() !== '');
	return {
		code: code === undefined ? undefined : String(code),
		message: message as string | undefined,
	};
}

/** How a failed call should be treated. */
export type FailureKind =
	| 'auth' // wrong key: stop
	| 'account' // no balance, locked account, no permission: stop
	| 'input' // the request itself was refused: stop
	| 'busy' // concurrency, frequency or overload: back off, same request_id
	| 'server' // server or gateway error: retry a poll; a create only as the caller decides
	| 'network' // no answer at all: the connection failed or timed out
	| 'notFound'
	| 'taskFailed' // the task ended in FAIL: only a new task can help
	| 'notSubmitted' // the account was busy and the item asked not to wait: no task, send it again later
	| 'other';

/** Failures worth another try of a read-only call such as a poll or a download. */
export const TRANSIENT_KINDS: readonly FailureKind[] = ['busy', 'server', 'network'];

export function isTransient(error: unknown): error is VideoError {
	return error instanceof VideoError && error.kind !== undefined && TRANSIENT_KINDS.includes(error.kind);
}

/**
 * A call that got no answer. The low-level reason (ECONNRESET, ETIMEDOUT…) goes in the description:
 * n8n rewrites an error message that contains such a code, which would drop the task id from it.
 */
export function connectionFailure(message: string, cause: unknown, taskId?: string): VideoError {
	const { code, message: detail } = (cause ?? {}) as { code?: string; message?: string };
	return new VideoError(message, { kind: 'network', taskId, description: `The connection failed: ${code ?? detail ?? 'no answer'}` });
}

interface CodeRule {
	codes: [number, number];
	kind: FailureKind;
	say: (apiMessage: string) => string;
}

const withApiText = (lead: string) => (apiMessage: string) => (apiMessage ? `${lead}: ${apiMessage}` : lead);
/** A final refusal: what happened, the API's own words, then what to do. */
const withApiTextThen = (lead: string, todo: string) => (apiMessage: string) =>
	`${withApiText(lead)(apiMessage.trim().replace(/[.。!！]+$/u, ''))}. ${todo}`;

// Order matters: the first rule whose range holds the code wins, so single codes stand before their ranges.
// The codes are those of the platforms' current error tables (API-EVIDENCE.md D3, D4); a code of no rule is judged
// by its HTTP status below.
const CODE_RULES: CodeRule[] = [
	{ codes: [1000, 1005], kind: 'auth', say: withApiTextThen('The API key was rejected', 'Check the API key and region in the Zhipu AI API credential') },
	{ codes: [1113, 1113], kind: 'account', say: withApiTextThen('The Zhipu AI account has no balance left', 'Top up the account, then run again') },
	{ codes: [1110, 1121], kind: 'account', say: withApiText('The Zhipu AI account is inactive, locked or missing') },
	{ codes: [1211, 1211], kind: 'input', say: withApiText('The API does not know this model') },
	{ codes: [1220, 1220], kind: 'account', say: withApiText('This API key has no permission for the model') },
	{
		codes: [1221, 1222],
		kind: 'input',
		say: withApiTextThen('The API says this endpoint is offline or does not exist', 'Check the base URL in the credential, or update the node'),
	},
	{ codes: [1231, 1231], kind: 'input', say: withApiText('The API says this request was already submitted') },
	{ codes: [1261, 1261], kind: 'input', say: withApiText('The prompt is too long for the API') },
	{ codes: [1200, 1200], kind: 'server', say: withApiText('The API had an internal error') },
	{ codes: [1230, 1230], kind: 'server', say: withApiText('The API had an internal error') },
	{ codes: [1234, 1234], kind: 'server', say: withApiText('The API had a network error') },
	{ codes: [1210, 1215], kind: 'input', say: withApiText('The API rejected a parameter') },
	{
		codes: [1301, 1301],
		kind: 'input',
		say: () => 'The API refused the content as unsafe or sensitive. Change the prompt or the image',
	},
	// Reworded in 2026: the account's rate limit, reached by tasks in flight or by requests too close together.
	{ codes: [1302, 1302], kind: 'busy', say: () => 'The account has reached its rate limit (tasks in flight, or requests too close together)' },
	// 1303 left the current tables; older ones call it the frequency limit.
	{ codes: [1303, 1303], kind: 'busy', say: () => 'The account is sending requests too often (rate limit)' },
	{ codes: [1304, 1304], kind: 'account', say: withApiTextThen('The account has reached its daily request limit', 'Try again tomorrow') },
	{ codes: [1305, 1305], kind: 'busy', say: () => 'The model is overloaded right now' },
	{
		codes: [1308, 1308],
		kind: 'account',
		say: withApiTextThen('The account has reached its usage cap', 'Run again after the reset time the API gives, or raise the cap in the platform console'),
	},
	{ codes: [1309, 1309], kind: 'account', say: withApiTextThen('The account’s plan has expired', 'Renew the plan in the platform console, then run again') },
	{
		codes: [1310, 1310],
		kind: 'account',
		say: withApiTextThen('The account has reached its weekly or monthly cap', 'Run again after the reset time the API gives, or change the plan'),
	},
	{
		codes: [1311, 1311],
		kind: 'account',
		say: withApiTextThen('The account’s plan does not include this model', 'Choose another model, or change the plan in the platform console'),
	},
	{ codes: [1312, 1312], kind: 'busy', say: () => 'The model is overloaded right now' },
	{
		codes: [1313, 1313],
		kind: 'account',
		say: withApiTextThen('The account is throttled under the platform’s fair-use policy', 'Wait before running again, or contact the platform’s support'),
	},
	{ codes: [1314, 1314], kind: 'account', say: withApiTextThen('The account’s package has expired', 'Renew it in the platform console, then run again') },
];

export interface ApiFailure {
	kind: FailureKind;
	message: string;
	apiCode?: string;
}

/** The plain-language line for a non-2xx answer. `body` is the parsed JSON, or the raw text of a non-JSON page. */
export function classifyFailure(httpCode: number, body: unknown): ApiFailure {
	const { code, message: apiMessage = '' } = readApiError(body);
	const numeric = code !== undefined ? Number(code) : NaN;
	const rule = CODE_RULES.find(({ codes: [low, high] }) => numeric >= low && numeric <= high);
	if (rule) {
		return { kind: rule.kind, message: `${rule.say(apiMessage)} (HTTP ${httpCode}, code ${code})`, apiCode: code };
	}
	const suffix = code !== undefined ? `HTTP ${httpCode}, code ${code}` : `HTTP ${httpCode}`;
	const detail = apiMessage ? `: ${apiMessage}` : typeof body === 'string' ? ' with a non-JSON page' : '';
	if (httpCode === 401) {
		return { kind: 'auth', message: `The API key was rejected. Check the API key and region in the Zhipu AI API credential (${suffix})`, apiCode: code };
	}
	if (httpCode === 404) return { kind: 'notFound', message: `The API answered "not found"${detail} (${suffix})`, apiCode: code };
	if (httpCode === 429) return { kind: 'busy', message: `The API asked to slow down${detail} (${suffix})`, apiCode: code };
	if (httpCode >= 500) return { kind: 'server', message: `The API had a server error${detail} (${suffix})`, apiCode: code };
	return { kind: 'other', message: `The API refused the request${detail} (${suffix})`, apiCode: code };
}
