import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { REGION_BASE_URLS } from '../nodes/CogVideoX/baseUrl';

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

	// Listing the account's uploaded files is free and needs a valid key: 200 for a good key, 401 for a wrong one.
	// n8n words the refusal itself where its tester does not see the status (2.8.4: "Authorization failed - please
	// check your credentials"); the rule's message shows where it does.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ $credentials.region === "custom" ? $credentials.baseUrl.trim().replace(/\\/+$/, "") : $credentials.region === "international" ? "${REGION_BASE_URLS.international}" : "${REGION_BASE_URLS.china}" }}`,
			url: '/files',
			qs: { limit: 1 },
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'The API key was rejected. Check the API key and the region it belongs to.' },
			},
		],
	};
}
