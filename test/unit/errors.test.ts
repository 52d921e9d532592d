import { classifyFailure, readApiError } from '../../nodes/CogVideoX/errors';

describe('reading the API error body', () => {
	it('accepts the nested shape, the top-level shape, and numeric codes', () => {
		expect(readApiError({ error: { code: '1113', message: 'arrears' } })).toEqual({ code: '1113', message: 'arrears' });
		expect(readApiError({ code: 1301, message: 'unsafe' })).toEqual({ code: '1301', message: 'unsafe' });
		expect(readApiError('<html>502 Bad Gateway</html>')).toEqual({});
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
		[429, { error: { code: '1302' } }, 'busy', /concurrency/],
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
