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

/** What the Test button shows: the request as n8n builds it, and the outcome as n8n's tester reads the status. */
async function pressTest(data: ICredentialDataDecryptedObject) {
	const { request, rules = [] } = credential.test;
	const url = new URL(`${resolve(String(request.baseURL), data)}${request.url}`);
	for (const [key, value] of Object.entries(request.qs ?? {})) url.searchParams.set(key, String(value));
	const headers = Object.fromEntries(
		Object.entries(credential.authenticate.properties.headers ?? {}).map(([key, value]) => [key, resolve(String(value), data)]),
	);
	const response = await fetch(url, { method: request.method, headers });
	if (response.ok) return { url: url.toString(), status: 'OK' };
	const rule = rules.find((candidate) => candidate.type === 'responseCode' && candidate.properties.value === response.status);
	return { url: url.toString(), status: 'Error', message: rule ? rule.properties.message : `Received HTTP status code: ${response.status}` };
}

describe('the Test button', () => {
	it('accepts a good key with a free request, creating no task', async () => {
		const before = standin.createCalls();
		const result = await pressTest({ apiKey: standin.apiKey, region: 'custom', baseUrl: `${standin.apiUrl}/` });
		expect(result).toEqual({ url: `${standin.apiUrl}/files?limit=1`, status: 'OK' });
		expect(standin.createCalls()).toBe(before);
	});

	it('tells a wrong key apart', async () => {
		const result = await pressTest({ apiKey: 'wrong.secret', region: 'custom', baseUrl: standin.apiUrl });
		expect(result).toMatchObject({ status: 'Error', message: 'The API key was rejected. Check the API key and the region it belongs to.' });
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
