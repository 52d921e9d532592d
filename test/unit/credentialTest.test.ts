/** The credential's Test button, against the stand-in API, through a request helper with n8n's error shape. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ICredentialTestFunctions } from 'n8n-workflow';

import { apiBaseUrl } from '../../nodes/CogVideoX/baseUrl';
import { zhipuAiApiTest } from '../../nodes/CogVideoX/credentialTest';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';

let standin: Standin;
beforeAll(async () => {
	standin = await startStandin();
});
afterAll(async () => standin.close());

/**
 * n8n's legacy request helper (axios underneath): rejects a non-2xx answer with `statusCode` and the parsed body
 * as `error`, and a failed connection with the system error `code`.
 */
const context = {
	helpers: {
		async request(options: { uri: string; method: string; headers: Record<string, string> }) {
			const response = await fetch(options.uri, { method: options.method, headers: options.headers }).catch((error) => {
				throw Object.assign(new Error('connect failed'), { code: (error as { cause?: { code?: string } }).cause?.code });
			});
			const body = await response.json().catch(() => undefined);
			if (!response.ok) throw Object.assign(new Error(`${response.status}`), { statusCode: response.status, error: body });
			return body;
		},
	},
} as unknown as ICredentialTestFunctions;

const test = (data: Record<string, string>) => zhipuAiApiTest.call(context, { id: '1', name: 'Zhipu', type: 'zhipuAiApi', data });

describe('credential test', () => {
	it('accepts a good key without creating a task', async () => {
		const before = standin.createCalls();
		await expect(test({ apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl })).resolves.toEqual({
			status: 'OK',
			message: 'Connection successful',
		});
		expect(standin.createCalls()).toBe(before);
	});

	it('tells a wrong key apart, without echoing it', async () => {
		const result = await test({ apiKey: 'nope.secret-value', region: 'custom', baseUrl: standin.apiUrl });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^The API key was rejected/);
		expect(result.message).not.toContain('secret-value');
	});

	it('says when the base URL cannot be reached', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise((resolve) => closed.close(resolve));
		const baseUrl = `http://127.0.0.1:${port}/api/paas/v4`;
		const result = await test({ apiKey: standin.apiKey, region: 'custom', baseUrl });
		expect(result).toEqual({ status: 'Error', message: `Could not reach ${baseUrl}: ECONNREFUSED` });
	});
});

describe('base URL per region', () => {
	it.each([
		[{ region: 'china' }, 'https://open.bigmodel.cn/api/paas/v4'],
		[{ region: 'international' }, 'https://api.z.ai/api/paas/v4'],
		[{ region: 'custom', baseUrl: 'https://gateway.example.com/zhipu/api/paas/v4/' }, 'https://gateway.example.com/zhipu/api/paas/v4'],
	])('%j', (credentials, expected) => {
		expect(apiBaseUrl(credentials)).toBe(expected);
	});

	it('refuses a custom base that is not http(s)', () => {
		expect(() => apiBaseUrl({ region: 'custom', baseUrl: 'file:///etc' })).toThrow(/^Base URL in the Zhipu AI API credential must be an http\(s\) URL/);
	});
});
