/** Parameters that several operations share, built from the per-model table so the editor and validation agree. */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { ModelSpec, Operation, Platform, SettingName } from '../models';
import {
	ASPECT_RATIOS,
	choicesOf,
	findModel,
	MODELS,
	modelsFor,
	modelsOfferingChoice,
	MOVEMENT_AMPLITUDES,
	PROMPT_MAX_LENGTH,
	QUALITIES,
	SETTINGS,
	settingsOf,
	STYLES,
	USER_ID_LENGTH,
} from '../models';

export const GENERATE_OPERATIONS: Operation[] = ['textToVideo', 'imageToVideo', 'firstLastFrame', 'referenceToVideo'];
export const IMAGE_OPERATIONS: Operation[] = ['imageToVideo', 'firstLastFrame', 'referenceToVideo'];

/** Where the model is offered, said plainly: a China-only model, or a source that is uncertain. */
function platformNote(model: ModelSpec, platform?: Platform): string {
	if (!model.platforms.international) return platform === 'china' ? '' : ' (China platform only)';
	const note = model.platforms.international.note;
	return note && platform !== 'china' ? ` (z.ai: ${note})` : '';
}

/** A model as an option of the Model list, on the credential's platform (undefined: any). */
export function modelOption(model: ModelSpec, platform?: Platform): INodePropertyOptions {
	return { name: model.displayName, value: model.id, description: `${model.description}${platformNote(model, platform)}` };
}

/** The Model list of an operation on a platform: what the editor shows once it knows the credential. */
export function modelOptions(operation: Operation, platform?: Platform): INodePropertyOptions[] {
	return modelsFor(operation, platform).map((model) => modelOption(model, platform));
}

/**
 * The Model parameter of an operation. The editor loads the list for the credential's platform (getModels); the
 * static list, every model of the operation, is what n8n shows before that and what a tool's schema names.
 */
export function modelField(operation: Operation, defaultModel: string): INodeProperties {
	return {
		displayName: 'Model Name or ID',
		name: 'model',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getModels' },
		options: modelOptions(operation),
		default: defaultModel,
		description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		hint: 'The list follows the credential’s platform. Each model lists only the settings it takes.',
		displayOptions: { show: { operation: [operation] } },
	};
}

export const promptField: INodeProperties = {
	displayName: 'Prompt',
	name: 'prompt',
	type: 'string',
	typeOptions: { rows: 4 },
	default: '',
	placeholder: 'e.g. A golden retriever runs along a beach at sunset, slow motion',
	description: `What the video shows, up to ${PROMPT_MAX_LENGTH} characters. Optional when the video starts from an image.`,
	displayOptions: { show: { operation: GENERATE_OPERATIONS } },
};

export const imageSourceField: INodeProperties = {
	displayName: 'Image Source',
	name: 'imageSource',
	type: 'options',
	options: [
		{ name: 'Binary Property', value: 'binary', description: 'An image on the input item, e.g. from an HTTP Request, Drive or Form node' },
		{ name: 'URL', value: 'url', description: 'A public http(s) link that the API downloads itself' },
	],
	default: 'binary',
	description: 'Where the image comes from',
	displayOptions: { show: { operation: IMAGE_OPERATIONS } },
};

/** The fields of an image that comes from a binary property or a URL, shown for one operation. */
export function imageInputFields(
	operation: Operation,
	images: Array<{ binaryName: string; binaryDefault: string; urlName: string; label: string }>,
): INodeProperties[] {
	return images.flatMap(({ binaryName, binaryDefault, urlName, label }) => [
		{
			displayName: `${label} Binary Property`,
			name: binaryName,
			type: 'string' as const,
			default: binaryDefault,
			required: true,
			description: `Name of the binary property of the input item that holds the ${label.toLowerCase()} (png, jpeg or webp)`,
			displayOptions: { show: { operation: [operation], imageSource: ['binary'] } },
		},
		{
			displayName: `${label} URL`,
			name: urlName,
			type: 'string' as const,
			default: '',
			required: true,
			placeholder: 'e.g. https://example.com/image.png',
			description: `Public http(s) URL of the ${label.toLowerCase()}; the API fetches it`,
			displayOptions: { show: { operation: [operation], imageSource: ['url'] } },
		},
	]);
}

const option = (value: string, name = value) => ({ name, value });

/** A collection option shown only for the models where the setting offers a choice. */
function setting(name: SettingName, rest: Omit<INodeProperties, 'displayName' | 'name' | 'displayOptions'>): INodeProperties {
	return {
		displayName: SETTINGS[name].label,
		name,
		...rest,
		displayOptions: { show: { '/model': modelsOfferingChoice(name) } },
	} as INodeProperties;
}

const FAMILY_LABELS = { cogvideox: 'CogVideoX', vidu: 'Vidu' } as const;

/** e.g. "AI-generated sound effects on CogVideoX, background music on Vidu". */
const audioMeanings = [
	...new Set(MODELS.flatMap((model) => (model.audioMeaning ? [`${model.audioMeaning} on ${FAMILY_LABELS[model.family]}`] : []))),
].join(', ');

export const videoSettingsField: INodeProperties = {
	displayName: 'Video Settings',
	name: 'videoSettings',
	type: 'collection',
	placeholder: 'Add Setting',
	default: {},
	description: 'Only the settings the chosen model takes are listed; an unset setting uses the model default',
	displayOptions: { show: { operation: GENERATE_OPERATIONS } },
	options: [
		setting('aspectRatio', {
			type: 'options',
			options: ASPECT_RATIOS.map((ratio) => option(ratio)),
			default: '16:9',
			description: 'Shape of the video',
		}),
		setting('duration', {
			type: 'options',
			options: choicesOf<number>('duration').map((seconds) => ({ name: `${seconds} Seconds`, value: seconds })),
			default: 5,
			description: 'Length of the video in seconds',
		}),
		setting('fps', {
			type: 'options',
			options: choicesOf<number>('fps').map((fps) => ({ name: `${fps} FPS`, value: fps })),
			default: 30,
			description: 'Frames per second',
		}),
		setting('movementAmplitude', {
			type: 'options',
			options: MOVEMENT_AMPLITUDES.map((amplitude) => option(amplitude, amplitude[0].toUpperCase() + amplitude.slice(1))),
			default: 'auto',
			description: 'How much the camera and the subjects move',
		}),
		setting('quality', {
			type: 'options',
			options: [
				{ name: 'Speed', value: QUALITIES[0], description: 'Faster generation' },
				{ name: 'Quality', value: QUALITIES[1], description: 'Better detail, slower' },
			],
			default: 'speed',
			description: 'Trade generation time for detail',
		}),
		setting('size', {
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getSizes', loadOptionsDependsOn: ['model'] },
			default: '',
			description:
				'Resolution, width x height. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>. Unset: the model picks.',
		}),
		setting('style', {
			type: 'options',
			options: STYLES.map((style) => option(style, style[0].toUpperCase() + style.slice(1))),
			default: 'general',
			description: 'Visual style',
		}),
		setting('userId', {
			type: 'string',
			default: '',
			description: `Your own ID for the end user, ${USER_ID_LENGTH.min} to ${USER_ID_LENGTH.max} characters, passed to the API for abuse monitoring`,
		}),
		setting('watermark', {
			type: 'boolean',
			default: true,
			description: 'Whether to add the AI-generated watermark. Turning it off works only for accounts that signed the removal agreement.',
		}),
		setting('withAudio', {
			type: 'boolean',
			default: false,
			description: `Whether to add sound: ${audioMeanings}`,
		}),
	],
};

/** Sizes for the editor's Size list: the chosen model's on the platform, or all when the model comes from an expression. */
export function sizeOptions(modelId: string, platform?: Platform): INodePropertyOptions[] {
	const model = findModel(modelId);
	const sizes = model ? settingsOf(model, platform).size ?? [] : choicesOf<string>('size');
	return sizes.map((size) => ({ name: size, value: size }));
}

export const waitForCompletionField: INodeProperties = {
	displayName: 'Wait for Completion',
	name: 'waitForCompletion',
	type: 'boolean',
	default: true,
	description:
		'Whether to wait for the video and download it. Off: return the task ID at once, for a later Get Result (use this for very long jobs).',
};

export const optionsField: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	description: 'Download, polling and concurrency settings',
	options: [
		{
			displayName: 'Download Cover Image',
			name: 'downloadCover',
			type: 'boolean',
			default: false,
			description: 'Whether to also download the cover image (jpeg or png, as the file host serves it) into the binary property "cover"',
		},
		{
			displayName: 'Download Video',
			name: 'download',
			type: 'boolean',
			default: true,
			description:
				'Whether to download the finished video into binary data. Off: return only its URL, which expires after about a day. When an AI agent calls the node as a tool, the default is off.',
		},
		{
			displayName: 'Max Concurrent Tasks',
			name: 'maxConcurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 50 },
			default: 5,
			description:
				'How many tasks this node keeps in flight at once across its items. The API limits tasks in flight per account and model (see the platform console: e.g. 1 for cogvideox-3 on a new z.ai account); the node learns the real limit from its answers.',
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 5,
			description: 'How often to check whether the video is ready',
		},
		{
			displayName: 'Put Output in Field',
			name: 'outputBinaryProperty',
			type: 'string',
			default: 'data',
			description: 'The binary property the video goes into',
		},
		{
			displayName: 'Request ID',
			name: 'requestId',
			type: 'string',
			default: '',
			placeholder: 'e.g. {{ $json.requestId }}',
			displayOptions: { hide: { '/operation': ['getResult'] } },
			description:
				'The request_id sent with the create, e.g. kept in a row of a Data Table before the create is sent. The API makes at most one task per request ID, so a run that died before it saw the task can send the same request again without paying twice. 6 to 64 letters, digits, "-", "_", "." or ":"; each item its own. Empty: one derived from the identity of the item (workflow, execution, node, item, request), which every run of n8n that repeats the item sends again.',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 10 },
			default: 900,
			description: 'How long to wait for the video before failing with its task ID, which Get Result can pick up later',
		},
		{
			displayName: 'When the Account Is Busy',
			name: 'whenAccountBusy',
			type: 'options',
			default: 'wait',
			displayOptions: { hide: { '/operation': ['getResult'] } },
			options: [
				{
					name: 'Wait and Send Again',
					value: 'wait',
					description: 'The item waits for room at the account (its tasks in flight, or its rate) and sends the same request again',
				},
				{
					name: 'Return the Item Without a Task',
					value: 'returnWithoutTask',
					description:
						'The item comes back at once with status NOT_SUBMITTED and its request ID, for a later run to send again: for scheduled batches that must not wait',
				},
			],
			description: 'What an item does when the API answers that the account is full (1302), rate-limited (1303) or overloaded (1305, 1312)',
		},
	],
};
