import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { imageSourceField, modelOptions, optionsField, promptField, sizeOptions, videoSettingsField, waitForCompletionField } from './actions/fields';
import { credentialPlatform } from './api/baseUrl';
import { executeVideoNode } from './run/execute';
import type { Operation } from './models';
import { modelFields, operationField, operationFields } from './operations';

export class CogVideoX implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'CogVideoX',
		name: 'cogVideoX',
		icon: { light: 'file:cogvideox.svg', dark: 'file:cogvideox.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ {"textToVideo":"Text to Video","imageToVideo":"Image to Video","firstLastFrame":"First & Last Frame","referenceToVideo":"Reference Images","getResult":"Get Result"}[$parameter["operation"]] + ($parameter["operation"] === "getResult" ? "" : ": " + $parameter["model"]) }}',
		description: 'Generate videos from prompts and images with Zhipu AI CogVideoX and Vidu models',
		defaults: { name: 'CogVideoX' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'zhipuAiApi', required: true }],
		properties: [
			operationField,
			...modelFields,
			promptField,
			imageSourceField,
			...operationFields,
			waitForCompletionField,
			videoSettingsField,
			optionsField,
		],
	};

	methods = {
		loadOptions: {
			async getModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const operation = String(this.getCurrentNodeParameter('operation') ?? 'textToVideo') as Operation;
				return modelOptions(operation, await credentialPlatform(this));
			},
			async getSizes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				return sizeOptions(String(this.getCurrentNodeParameter('model') ?? ''), await credentialPlatform(this));
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeVideoNode(this);
	}
}
