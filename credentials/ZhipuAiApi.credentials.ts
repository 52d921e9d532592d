import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, IHttpRequestMethods, INodeProperties } from 'n8n-workflow';

import { REGION_BASE_URLS } from '../nodes/CogVideoX/api/baseUrl';
import { KEY_CHECK } from '../nodes/CogVideoX/api/keyCheck';

/** An expression for one part of the Test request: Z.ai's value for the International region, BigModel's otherwise. */
const byPlatform = (international: unknown, china: unknown) =>
	`={{ $credentials.region === "international" ? ${JSON.stringify(international)} : ${JSON.stringify(china)} }}`;

export class ZhipuAiApi implements ICredentialType {
	name = 'zhipuAiApi';

	displayName = 'Zhipu AI API';

	documentationUrl = 'https://github.com/n8n-nodes-cogvideox/n8n-nodes-cogvideox#credential';

	icon = { light: 'file:zhipuAi.svg', dark: 'file:zhipuAi.dark.svg' } as const;

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'The key from the API keys page of open.bigmodel.cn or z.ai, in the form id.secret',
		},
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			options: [
				{
					name: 'China (open.bigmodel.cn)',
					value: 'china',
					description: 'https://open.bigmodel.cn/api/paas/v4',
				},
				{
					name: 'International (api.z.ai)',
					value: 'international',
					description: 'https://api.z.ai/api/paas/v4',
				},
				{
					name: 'Custom Base URL',
					value: 'custom',
					description: 'A proxy or gateway that serves the same API',
				},
			],
			default: 'china',
			description: 'Which platform the key belongs to. Keys of one platform do not work on the other.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://open.bigmodel.cn/api/paas/v4',
			description: 'The full API base, up to and including /api/paas/v4. It is used exactly as entered.',
			displayOptions: { show: { region: ['custom'] } },
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.apiKey}}' },
		},
	};

	// A call that is free, needs a valid key, and is documented with the parameters it sends (keyCheck.ts): BigModel's
	// file list, also for a custom base URL; Z.ai documents no list, so there its tokenizer, which counts the tokens
	// of a short text and makes nothing. A wrong key is refused with 401 before either reads a parameter. n8n words the
	// refusal itself where its tester does not see the status (2.8.4: "Authorization failed - please check your
	// credentials"); the rule's message shows where it does.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ $credentials.region === "custom" ? $credentials.baseUrl.trim().replace(/\\/+$/, "") : $credentials.region === "international" ? "${REGION_BASE_URLS.international}" : "${REGION_BASE_URLS.china}" }}`,
			method: byPlatform(KEY_CHECK.international.method, KEY_CHECK.china.method) as IHttpRequestMethods,
			url: byPlatform(KEY_CHECK.international.path, KEY_CHECK.china.path),
			qs: Object.fromEntries(Object.entries(KEY_CHECK.china.query).map(([name, value]) => [name, byPlatform(null, value)])),
			body: byPlatform(KEY_CHECK.international.body, null),
		},
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'The API key was rejected. Check the API key and the region it belongs to.' },
			},
		],
	};
}
