import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

export const REGION_BASE_URLS: Record<string, string> = {
	china: 'https://open.bigmodel.cn/api/paas/v4',
	international: 'https://api.z.ai/api/paas/v4',
};

/** The API base of a Zhipu AI API credential. A custom base is used as entered, less a trailing slash. */
export function apiBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	const region = String(credentials.region ?? 'china');
	if (region !== 'custom') return REGION_BASE_URLS[region] ?? REGION_BASE_URLS.china;
	const custom = String(credentials.baseUrl ?? '').trim();
	if (!/^https?:\/\/[^/]/i.test(custom)) {
		throw new Error(
			`Base URL in the Zhipu AI API credential must be an http(s) URL such as ${REGION_BASE_URLS.china}, got "${custom}"`,
		);
	}
	return custom.replace(/\/+$/, '');
}

/** Where in the platform's web console a user can see what an API base charged, for errors that say a task may exist. */
export function billingRecordsOf(baseUrl: string): string {
	if (baseUrl.startsWith('https://open.bigmodel.cn/')) return 'the billing records of the open.bigmodel.cn console (费用账单, Bills)';
	if (baseUrl.startsWith('https://api.z.ai/')) return 'the billing records of the z.ai console (Billing)';
	return 'the billing records of the Zhipu platform console that issued the API key';
}
