/**
 * The credential's Test button: its declarative request, resolved with n8n-workflow's own expression engine and
 * judged as n8n's credential tester judges it, sent over real HTTP to the stand-in API.
 */
import type { ICredentialDataDecryptedObject, INode, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { ZhipuAiApi } from '../../credentials/ZhipuAiApi.credentials';
import { apiBaseUrl } from '../../nodes/CogVideoX/api/baseUrl';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';

let standin: Standin;
let zai: Standin;
beforeAll(async () => {
	standin = await startStandin();
	zai = await startStandin({ platform: 'international' });
});
afterAll(async () => Promise.all([standin.close(), zai.close()]));

const credential = new ZhipuAiApi();
const NODE: INode = { id: '1', name: 'Credential test', type: 'test', typeVersion: 1, position: [0, 0], parameters: {} };
const nodeTypes = { getByName: () => undefined, getByNameAndVersion: () => undefined, getKnownTypes: () => ({}) } as unknown as INodeTypes;
const workflow = new Workflow({ nodes: [NODE], connections: {}, active: false, nodeTypes });

function resolve(value: unknown, data: ICredentialDataDecryptedObject): unknown {
	return workflow.expression.getParameterValue(value as string, null, 0, 0, NODE.name, [], 'internal', { $credentials: data });
}

/**
 * The Test button's request as n8n builds it (each part resolved as n8n's RoutingNode resolves it), sent to `to`
 * in place of the region's base URL, and the status the API gives it. What the editor then shows is n8n's to word
 * (2.8.4: "Authorization failed - please check your credentials"); the browser suite presses the real button.
 */
async function pressTest(data: ICredentialDataDecryptedObject, to?: string) {
	const { request } = credential.test;
	const part = (value: unknown) => resolve(value, data);
	const url = new URL(`${to ?? String(part(request.baseURL))}${String(part(request.url))}`);
	for (const [key, value] of Object.entries(request.qs ?? {})) {
		const resolved = part(value);
		if (resolved !== null && resolved !== undefined) url.searchParams.set(key, String(resolved));
	}
	const headers: Record<string, string> = Object.fromEntries(
		Object.entries(credential.authenticate.properties.headers ?? {}).map(([key, value]) => [key, String(resolve(String(value), data))]),
	);
	const body = part(request.body);
	if (body) headers['Content-Type'] = 'application/json';
	const method = String(part(request.method));
	const response = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
	return { method, url: url.toString(), body, status: response.ok ? 'OK' : 'Error', httpCode: response.status };
}

describe('the Test button', () => {
	it('accepts a good key with BigModel’s free file list, sending the purpose its docs require, and creates no task', async () => {
		const before = standin.createCalls();
		const result = await pressTest({ apiKey: standin.apiKey, region: 'custom', baseUrl: `${standin.apiUrl}/` });
		expect(result).toMatchObject({ method: 'GET', url: `${standin.apiUrl}/files?purpose=batch&limit=1`, status: 'OK', httpCode: 200 });
		expect(standin.createCalls()).toBe(before);
	});

	it('sends the China region the same call', async () => {
		const result = await pressTest({ apiKey: standin.apiKey, region: 'china' }, standin.apiUrl);
		expect(result).toMatchObject({ method: 'GET', url: `${standin.apiUrl}/files?purpose=batch&limit=1`, httpCode: 200 });
	});

	it('sends the International region Z.ai’s tokenizer, which its docs list (they list no file list)', async () => {
		const before = zai.createCalls();
		const result = await pressTest({ apiKey: zai.apiKey, region: 'international' }, zai.apiUrl);
		expect(result).toMatchObject({ method: 'POST', url: `${zai.apiUrl}/tokenizer`, body: { model: 'glm-4.6' }, status: 'OK', httpCode: 200 });
		expect(zai.createCalls()).toBe(before);
		expect((await pressTest({ apiKey: 'wrong.secret', region: 'international' }, zai.apiUrl)).httpCode).toBe(401);
	});

	it('tells a wrong key apart: the same free request answers 401', async () => {
		const result = await pressTest({ apiKey: 'wrong.secret', region: 'custom', baseUrl: standin.apiUrl });
		expect(result).toMatchObject({ status: 'Error', httpCode: 401 });
	});

	it('would fail a good key without the purpose: the stand-in refuses the list as BigModel documents it', async () => {
		const response = await fetch(`${standin.apiUrl}/files?limit=1`, { headers: { Authorization: `Bearer ${standin.apiKey}` } });
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: { code: '1214', message: expect.stringContaining('purpose') } });
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
