import { classifyFailure, readApiError } from '../../nodes/CogVideoX/api/errors';

describe('reading the API error body', () => {
	it('accepts the nested shape, the top-level shape, and numeric codes', () => {
		expect(readApiError({ error: { code: '1113', message: 'arrears' } })).toEqual({ code: '1113', message: 'arrears' });
		expect(readApiError({ code: 1301, message: 'unsafe' })).toEqual({ code: '1301', message: 'unsafe' });
		expect(readApiError('<html>502 Bad Gateway</html>')).toEqual({});
	});

	it('reads the shapes the official Java SDK reads too: an error string beside the code, and msg', () => {
		expect(readApiError({ error: 'Rate limit reached', code: 1302 })).toEqual({ code: '1302', message: 'Rate limit reached' });
		expect(readApiError({ msg: '余额不足', code: '1113' })).toEqual({ code: '1113', message: '余额不足' });
		expect(readApiError({ error: { code: '1302', message: 'busy' }, request_id: 'r-1' })).toEqual({ code: '1302', message: 'busy' });
	});
});

describe('the quota codes of the current tables are final, in the API’s words, with what to do', () => {
	it.each([
		['1308', 429, '已达到 5 小时 的使用上限。您的限额将在 2026-12-02 10:00:00 重置。', /^The account has reached its usage cap: 已达到 5 小时 的使用上限。您的限额将在 2026-12-02 10:00:00 重置\. Run again after the reset time the API gives/],
		['1309', 429, 'Your plan has expired', /^The account’s plan has expired: Your plan has expired\. Renew the plan/],
		['1310', 429, 'Weekly limit reached', /^The account has reached its weekly or monthly cap: Weekly limit reached\. Run again after the reset time/],
		['1311', 403, '当前订阅套餐暂未开放cogvideox-3权限', /^The account’s plan does not include this model: 当前订阅套餐暂未开放cogvideox-3权限\. Choose another model/],
		['1313', 429, 'fair use', /^The account is throttled under the platform’s fair-use policy: fair use\. Wait before running again/],
		['1314', 429, 'package expired', /^The account’s package has expired: package expired\. Renew it/],
		['1113', 429, '余额不足或无可用资源包,请充值。', /^The Zhipu AI account has no balance left: 余额不足或无可用资源包,请充值\. Top up the account/],
		['1221', 400, 'API video 已下线', /^The API says this endpoint is offline or does not exist: API video 已下线\. Check the base URL/],
		['1005', 401, '已开启二次认证保护，需要二次认证登录。', /^The API key was rejected: 已开启二次认证保护/],
	])('%s (HTTP %s)', (code, status, text, message) => {
		const failure = classifyFailure(status, { error: { code, message: text } });
		expect(['account', 'input', 'auth']).toContain(failure.kind);
		expect(failure.message).toMatch(message);
		expect(failure.message).toMatch(new RegExp(`\\(HTTP ${status}, code ${code}\\)$`));
	});

	it('takes 1312 like 1305: the model is overloaded, try again', () => {
		expect(classifyFailure(429, { error: { code: '1312', message: '该模型当前访问量过大' } }).kind).toBe('busy');
	});

	it('keeps the HTTP status fallback for a code of no rule', () => {
		expect(classifyFailure(429, { error: { code: '1399', message: 'new code' } })).toMatchObject({ kind: 'busy', message: 'The API asked to slow down: new code (HTTP 429, code 1399)' });
	});
});

describe('classifying failures (API.md error table)', () => {
	it.each([
		[401, { error: { code: '1001', message: 'bad token' } }, 'auth', /^The API key was rejected/],
		[401, '<html>Unauthorized</html>', 'auth', /^The API key was rejected/],
		[429, { error: { code: '1113' } }, 'account', /^The Zhipu AI account has no balance left/],
		[403, { error: { code: '1112', message: 'locked' } }, 'account', /^The Zhipu AI account is inactive, locked or missing: locked/],
		[400, { error: { code: '1214', message: 'fps invalid' } }, 'input', /^The API rejected a parameter: fps invalid/],
		[400, { error: { code: '1211' } }, 'input', /^The API does not know this model/],
		[403, { error: { code: '1220' } }, 'account', /^This API key has no permission for the model/],
		[400, { error: { code: '1301' } }, 'input', /^The API refused the content as unsafe or sensitive/],
		[429, { error: { code: '1302' } }, 'busy', /rate limit \(tasks in flight, or requests too close together\)/],
		[429, { error: { code: '1303' } }, 'busy', /rate limit/],
		[429, { error: { code: '1304' } }, 'account', /daily request limit/],
		[503, { error: { code: '1305' } }, 'busy', /overloaded/],
		[500, { error: { code: '1234' } }, 'server', /network error/],
		[502, '<html>502 Bad Gateway</html>', 'server', /^The API had a server error with a non-JSON page \(HTTP 502\)$/],
		[429, {}, 'busy', /slow down/],
		[404, { error: { code: '9999', message: 'task not found' } }, 'notFound', /not found/],
	])('HTTP %s %j is %s', (status, body, kind, message) => {
		const failure = classifyFailure(status, body);
		expect(failure.kind).toBe(kind);
		expect(failure.message).toMatch(message);
		expect(failure.message).toContain(`HTTP ${status}`);
	});
});
