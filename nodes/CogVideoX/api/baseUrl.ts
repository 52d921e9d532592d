import type { ICredentialDataDecryptedObject, ILoadOptionsFunctions } from 'n8n-workflow';

import type { Platform } from '../models';

export const REGION_BASE_URLS: Record<Platform, string> = {
	china: 'https://open.bigmodel.cn/api/paas/v4',
	international: 'https://api.z.ai/api/paas/v4',
};

/** The platform behind an API base, whose docs decide the models and settings offered; undefined for another host. */
export function platformOf(baseUrl: string): Platform | undefined {
	const host = /^https?:\/\/([^/:]+)/i.exec(baseUrl)?.[1]?.toLowerCase();
	if (host === 'open.bigmodel.cn') return 'china';
	if (host === 'api.z.ai') return 'international';
	return undefined;
}

/** The API base of a Zhipu AI API credential. A custom base is used as entered, less a trailing slash. */
export function apiBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	const region = String(credentials.region ?? 'china');
	if (region !== 'custom') return REGION_BASE_URLS[region as Platform] ?? REGION_BASE_URLS.china;
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

/**
 * The platform of the credential the editor has chosen, for the Model and Size lists; undefined when there is none
 * yet or it is a custom base URL: then the lists hold what either platform offers.
 */
export async function credentialPlatform(ctx: ILoadOptionsFunctions): Promise<Platform | undefined> {
	try {
		return platformOf(apiBaseUrl(await ctx.getCredentials('zhipuAiApi')));
	} catch {
		return undefined;
	}
}
