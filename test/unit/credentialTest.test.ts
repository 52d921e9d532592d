/**
 * The credential's Test button: its declarative request, resolved with n8n-workflow's own expression engine and
 * judged as n8n's credential tester judges it, sent over real HTTP to the stand-in API.
 */
import type { ICredentialDataDecryptedObject, INode, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { ZhipuAiApi } from '../../credentials/ZhipuAiApi.credentials';
import { apiBaseUrl } from '../../nodes/CogVideoX/baseUrl';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';

let standin: Standin;
beforeAll(async () => {
	standin = await startStandin();
});
afterAll(async () => standin.close());

const credential = new ZhipuAiApi();
const NODE: INode = { id: '1', name: 'Credential test', type: 'test', typeVersion: 1, position: [0, 0], parameters: {} };
const nodeTypes = { getByName: () => undefined, getByNameAndVersion: () => undefined, getKnownTypes: () => ({}) } as unknown as INodeTypes;
const workflow = new Workflow({ nodes: [NODE], connections: {}, active: false, nodeTypes });

function resolve(value: string, data: ICredentialDataDecryptedObject): string {
	return String(workflow.expression.getParameterValue(value, null, 0, 0, NODE.name, [], 'internal', { $credentials: data }));
}

/**
 * The Test button's request as n8n builds it, and the status the API gives it. What the editor then shows is n8n's
 * to word (2.8.4: "Authorization failed - please check your credentials"); the browser suite presses the real button.
 */
async function pressTest(data: ICredentialDataDecryptedObject) {
	const { request } = credential.test;
	const url = new URL(`${resolve(String(request.baseURL), data)}${request.url}`);
	for (const [key, value] of Object.entries(request.qs ?? {})) url.searchParams.set(key, String(value));
	const headers = Object.fromEntries(
		Object.entries(credential.authenticate.properties.headers ?? {}).map(([key, value]) => [key, resolve(String(value), data)]),
	);
	const response = await fetch(url, { method: request.method, headers });
	return { url: url.toString(), status: response.ok ? 'OK' : 'Error', httpCode: response.status };
}

describe('the Test button', () => {
	it('accepts a good key with a free request, creating no task', async () => {
		const before = standin.createCalls();
		const result = await pressTest({ apiKey: standin.apiKey, region: 'custom', baseUrl: `${standin.apiUrl}/` });
		expect(result).toEqual({ url: `${standin.apiUrl}/files?limit=1`, status: 'OK', httpCode: 200 });
		expect(standin.createCalls()).toBe(before);
	});

	it('tells a wrong key apart: the same free request answers 401', async () => {
		const result = await pressTest({ apiKey: 'wrong.secret', region: 'custom', baseUrl: standin.apiUrl });
		expect(result).toMatchObject({ status: 'Error', httpCode: 401 });
	});

	it('resolves the same base URL as the node, for every region', () => {
		const regions: ICredentialDataDecryptedObject[] = [{ region: 'china' }, { region: 'international' }, { region: 'custom', baseUrl: ' https://gw.example.com/zhipu/api/paas/v4// ' }];
		for (const data of regions) {
			expect(resolve(String(credential.test.request.baseURL), data)).toBe(apiBaseUrl(data));
		}
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
