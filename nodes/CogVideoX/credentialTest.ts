/**
 * The credential's Test button. Reading an unknown task costs nothing and needs a valid key: a rejected key
 * answers 401 (codes 1000-1004), an accepted one answers anything else, typically "task not found".
 */
import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { apiBaseUrl } from './baseUrl';
import { classifyFailure } from './errors';

export const CREDENTIAL_TEST_TASK_ID = 'n8n-credential-test';

interface RequestFailure {
	statusCode?: number;
	response?: { status?: number; body?: unknown; data?: unknown };
	error?: unknown;
	code?: string;
	message?: string;
}

export async function zhipuAiApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const apiKey = String(data.apiKey ?? '');
	if (!apiKey) return { status: 'Error', message: 'API Key is empty' };
	let baseUrl: string;
	try {
		baseUrl = apiBaseUrl(data);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	try {
		await this.helpers.request({
			method: 'GET',
			uri: `${baseUrl}/async-result/${CREDENTIAL_TEST_TASK_ID}`,
			headers: { Authorization: `Bearer ${apiKey}`, 'Accept-Language': 'en-US,en' },
			json: true,
		});
		return { status: 'OK', message: 'Connection successful' };
	} catch (caught) {
		const failure = (caught ?? {}) as RequestFailure;
		const statusCode = failure.statusCode ?? failure.response?.status;
		if (!statusCode) {
			return { status: 'Error', message: `Could not reach ${baseUrl}: ${failure.code ?? 'no answer'}` };
		}
		const body = failure.error ?? failure.response?.body ?? failure.response?.data;
		const { kind, message } = classifyFailure(statusCode, body);
		if (kind === 'auth') return { status: 'Error', message };
		// Any other answer came from the API after it accepted the key; an account problem is worth saying.
		return { status: 'OK', message: kind === 'account' ? `The key works, but: ${message}` : 'Connection successful' };
	}
}
