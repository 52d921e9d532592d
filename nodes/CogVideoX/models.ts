/**
 * The per-model table: the one source of truth for which operations, images and settings each model takes.
 * The node's UI (operation model lists, which settings show) and the run-time validation both read it.
 */

export type Operation = 'textToVideo' | 'imageToVideo' | 'firstLastFrame' | 'referenceToVideo';

export type Family = 'cogvideox' | 'vidu';

/**
 * The two platforms that serve the API. Their docs list different models and settings (API-EVIDENCE.md D2, D8,
 * D12). A custom base URL may front either, so there the node takes what either platform documents.
 */
export type Platform = 'china' | 'international';

export const PLATFORM_LABELS: Record<Platform, string> = {
	china: 'China (open.bigmodel.cn)',
	international: 'International (api.z.ai)',
};

/** A setting of the `videoSettings` collection, and the API body field it becomes. */
export type SettingName =
	| 'size'
	| 'duration'
	| 'fps'
	| 'quality'
	| 'withAudio'
	| 'style'
	| 'aspectRatio'
	| 'movementAmplitude'
	| 'watermark'
	| 'userId';

/** Each setting's label (as the editor shows it, and as errors name it), API body field and value type. */
export const SETTINGS: Record<SettingName, { label: string; apiField: string; type: 'string' | 'number' | 'boolean' }> = {
	size: { label: 'Size', apiField: 'size', type: 'string' },
	duration: { label: 'Duration', apiField: 'duration', type: 'number' },
	fps: { label: 'FPS', apiField: 'fps', type: 'number' },
	quality: { label: 'Quality', apiField: 'quality', type: 'string' },
	withAudio: { label: 'With Audio', apiField: 'with_audio', type: 'boolean' },
	style: { label: 'Style', apiField: 'style', type: 'string' },
	aspectRatio: { label: 'Aspect Ratio', apiField: 'aspect_ratio', type: 'string' },
	movementAmplitude: { label: 'Movement Amplitude', apiField: 'movement_amplitude', type: 'string' },
	watermark: { label: 'Watermark', apiField: 'watermark_enabled', type: 'boolean' },
	userId: { label: 'User ID', apiField: 'user_id', type: 'string' },
};

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export const USER_ID_LENGTH = { min: 6, max: 128 };

export const QUALITIES = ['speed', 'quality'] as const;
export const STYLES = ['general', 'anime'] as const;
export const ASPECT_RATIOS = ['16:9', '9:16', '1:1'] as const;
export const MOVEMENT_AMPLITUDES = ['auto', 'small', 'medium', 'large'] as const;

/** The allowed values of each setting a model takes; `true` means any value of the setting's own type. */
export type SettingRules = Partial<{
	size: readonly string[];
	duration: readonly number[];
	fps: readonly number[];
	quality: readonly string[];
	withAudio: true;
	style: readonly string[];
	aspectRatio: readonly string[];
	movementAmplitude: readonly string[];
	watermark: true;
	userId: true;
}>;

export interface ModelSpec {
	id: string;
	displayName: string;
	family: Family;
	description: string;
	/** The operations that list this model; the operation decides how many images are sent. */
	operations: readonly Operation[];
	/**
	 * The platforms whose docs list the model, each with a note where a source is uncertain. A platform not listed
	 * is not offered the model, and a run refuses it there before any call.
	 */
	platforms: Partial<Record<Platform, { note?: string }>>;
	/** The settings the model takes on every platform that lists it. */
	settings: SettingRules;
	/** What one platform's docs give beyond `settings` (a size, a setting); a custom base URL takes these too. */
	extraOn?: Partial<Record<Platform, SettingRules>>;
	/** What `withAudio` adds for this model, shown in the setting's description. */
	audioMeaning?: string;
	/** Rules on the input images' pixels; none where the API documents none. */
	imageRules?: ImageRules;
}

/** A ratio of two whole numbers, width to height: [1, 4] is 1:4. Kept whole so that boundaries compare exactly. */
export type Ratio = readonly [number, number];

/** API.md's image limits that need the image's width and height. Each bound is allowed (1:4 itself passes). */
export interface ImageRules {
	/** Each image at least this many pixels wide and high. */
	minSide?: number;
	/** Each image's aspect ratio (width:height) between these two. */
	aspect?: { min: Ratio; max: Ratio };
	/** The first frame's aspect ratio divided by the last frame's, between these two. */
	frameAspectMatch?: { min: Ratio; max: Ratio };
}

export interface ImageLimits {
	maxBytes: number;
	formats: readonly ImageFormat[];
}

export type ImageFormat = 'png' | 'jpeg' | 'webp';

const MB = 1024 * 1024;

export const IMAGE_LIMITS: Record<Family, ImageLimits> = {
	cogvideox: { maxBytes: 5 * MB, formats: ['png', 'jpeg'] },
	vidu: { maxBytes: 50 * MB, formats: ['png', 'jpeg', 'webp'] },
};

/** How many images each operation sends. */
export const IMAGE_COUNT: Record<Operation, { min: number; max: number }> = {
	textToVideo: { min: 0, max: 0 },
	imageToVideo: { min: 1, max: 1 },
	firstLastFrame: { min: 2, max: 2 },
	referenceToVideo: { min: 1, max: 3 },
};

export const PROMPT_MAX_LENGTH = 512;

// The current specs of both platforms give `duration` to cogvideox-3 only (API-EVIDENCE.md D7).
const COGVIDEOX_SHARED: SettingRules = {
	fps: [30, 60],
	quality: QUALITIES,
	withAudio: true,
	watermark: true,
	userId: true,
};

// Vidu: every image at least 128x128 and between 1:4 and 4:1; the two frames of start-end within 0.8-1.25 of each
// other's aspect ratio. The 128 px minimum is documented for reference images; it is applied to every Vidu image,
// because a smaller one cannot make a usable video and refusing it here costs nothing, while the API's refusal may.
// API.md gives no pixel rules for CogVideoX (only png/jpeg and 5 MB).
const VIDU_ASPECT: ImageRules = { aspect: { min: [1, 4], max: [4, 1] }, minSide: 128 };
const VIDU_FRAMES: ImageRules = { ...VIDU_ASPECT, frameAspectMatch: { min: [4, 5], max: [5, 4] } };
const VIDU_REFERENCES: ImageRules = VIDU_ASPECT;

// The Vidu schemas of both platforms carry request_id and user_id but not watermark_enabled, which only the
// CogVideoX schemas include (API-EVIDENCE.md D9).
const VIDU_SHARED: SettingRules = {
	movementAmplitude: MOVEMENT_AMPLITUDES,
	userId: true,
};

const BOTH: ModelSpec['platforms'] = { china: {}, international: {} };
// Z.ai's newest API reference lists cogvideox-3 only; its console still listed the Vidu models in February 2026.
const VIDU_PLATFORMS: ModelSpec['platforms'] = {
	china: {},
	international: { note: 'listed in its console, no longer in its API reference' },
};
// Neither Z.ai's API reference nor its console lists cogvideox-2 or cogvideox-flash.
const CHINA_ONLY: ModelSpec['platforms'] = { china: {} };

export const MODELS: readonly ModelSpec[] = [
	{
		id: 'cogvideox-3',
		displayName: 'CogVideoX-3',
		family: 'cogvideox',
		description: 'Newest CogVideoX: up to 4K, 60 fps, first and last frame',
		operations: ['textToVideo', 'imageToVideo', 'firstLastFrame'],
		platforms: BOTH,
		settings: {
			...COGVIDEOX_SHARED,
			duration: [5, 10],
			size: ['1280x720', '720x1280', '1024x1024', '1920x1080', '1080x1920', '2048x1080', '3840x2160'],
		},
		audioMeaning: 'AI-generated sound effects',
	},
	{
		id: 'cogvideox-2',
		displayName: 'CogVideoX-2',
		family: 'cogvideox',
		description: 'Previous CogVideoX generation',
		operations: ['textToVideo', 'imageToVideo'],
		platforms: CHINA_ONLY,
		settings: {
			...COGVIDEOX_SHARED,
			size: ['720x480', '1024x1024', '1280x960', '960x1280', '1920x1080', '1080x1920', '2048x1080', '3840x2160'],
		},
		audioMeaning: 'AI-generated sound effects',
	},
	{
		id: 'cogvideox-flash',
		displayName: 'CogVideoX-Flash (Free)',
		family: 'cogvideox',
		description: 'Free model; takes only a prompt and an image, no settings',
		operations: ['textToVideo', 'imageToVideo'],
		platforms: CHINA_ONLY,
		settings: {},
	},
	{
		id: 'viduq1-text',
		displayName: 'Vidu Q1 Text',
		family: 'vidu',
		description: 'Vidu Q1 from a prompt: 1080p, 5 s, with style and aspect ratio',
		operations: ['textToVideo'],
		platforms: VIDU_PLATFORMS,
		settings: {
			...VIDU_SHARED,
			size: ['1920x1080'],
			duration: [5],
			style: STYLES,
			aspectRatio: ASPECT_RATIOS,
		},
	},
	{
		id: 'viduq1-image',
		displayName: 'Vidu Q1 Image',
		family: 'vidu',
		description: 'Vidu Q1 from one image: 1080p, 5 s',
		operations: ['imageToVideo'],
		platforms: VIDU_PLATFORMS,
		settings: { ...VIDU_SHARED, size: ['1920x1080'], duration: [5] },
		// BigModel gives viduq1-image's background music to 4-second videos only, and the model makes 5; Z.ai gives
		// it without that limit (API-EVIDENCE.md D8).
		extraOn: { international: { withAudio: true } },
		audioMeaning: 'background music',
		imageRules: VIDU_ASPECT,
	},
	{
		id: 'viduq1-start-end',
		displayName: 'Vidu Q1 Start-End',
		family: 'vidu',
		description: 'Vidu Q1 between a first and a last frame: 1080p, 5 s',
		operations: ['firstLastFrame'],
		platforms: VIDU_PLATFORMS,
		settings: { ...VIDU_SHARED, size: ['1920x1080'], duration: [5], withAudio: true },
		audioMeaning: 'background music',
		imageRules: VIDU_FRAMES,
	},
	{
		id: 'vidu2-image',
		displayName: 'Vidu 2 Image',
		family: 'vidu',
		description: 'Vidu 2 from one image: 720p, 4 s',
		operations: ['imageToVideo'],
		platforms: VIDU_PLATFORMS,
		settings: { ...VIDU_SHARED, size: ['1280x720'], duration: [4], withAudio: true },
		audioMeaning: 'background music',
		imageRules: VIDU_ASPECT,
	},
	{
		id: 'vidu2-start-end',
		displayName: 'Vidu 2 Start-End',
		family: 'vidu',
		description: 'Vidu 2 between a first and a last frame: 720p (480x360 on BigModel), 4 s',
		operations: ['firstLastFrame'],
		platforms: VIDU_PLATFORMS,
		settings: { ...VIDU_SHARED, size: ['1280x720'], duration: [4], withAudio: true },
		// 480x360 is in BigModel's spec only (API-EVIDENCE.md D12).
		extraOn: { china: { size: ['1280x720', '480x360'] } },
		audioMeaning: 'background music',
		imageRules: VIDU_FRAMES,
	},
	{
		id: 'vidu2-reference',
		displayName: 'Vidu 2 Reference',
		family: 'vidu',
		description: 'Vidu 2 keeping the subjects of 1 to 3 reference images: 720p, 4 s',
		operations: ['referenceToVideo'],
		platforms: VIDU_PLATFORMS,
		settings: {
			...VIDU_SHARED,
			size: ['1280x720'],
			duration: [4],
			aspectRatio: ASPECT_RATIOS,
			withAudio: true,
		},
		audioMeaning: 'background music',
		imageRules: VIDU_REFERENCES,
	},
];

export function findModel(id: string): ModelSpec | undefined {
	return MODELS.find((model) => model.id === id);
}

/** The models an operation lists: on one platform, or on any (a custom base URL, or the editor's static list). */
export function modelsFor(operation: Operation, platform?: Platform): ModelSpec[] {
	return MODELS.filter((model) => model.operations.includes(operation) && offeredOn(model, platform));
}

/** Whether a platform's docs list the model; every model is offered where the platform is not known. */
export function offeredOn(model: ModelSpec, platform?: Platform): boolean {
	return platform === undefined || model.platforms[platform] !== undefined;
}

/** The values of two rules together: a setting one platform offers with more choices than the other. */
function widerRule<T>(a: T | undefined, b: T | undefined): T | undefined {
	if (Array.isArray(a) && Array.isArray(b)) return [...new Set([...a, ...b])] as T;
	return a ?? b;
}

/** The settings a model takes on a platform; on an unknown platform, what either platform's docs give. */
export function settingsOf(model: ModelSpec, platform?: Platform): SettingRules {
	const extras = platform ? [model.extraOn?.[platform] ?? {}] : Object.values(model.extraOn ?? {});
	const rules: Record<string, unknown> = { ...model.settings };
	for (const extra of extras) {
		for (const [name, rule] of Object.entries(extra)) rules[name] = widerRule(rules[name], rule);
	}
	return rules as SettingRules;
}

export function modelsWithSetting(setting: SettingName, platform?: Platform): string[] {
	return MODELS.filter((model) => offeredOn(model, platform) && settingsOf(model, platform)[setting] !== undefined).map((model) => model.id);
}

/** Every value of a setting that some model offers as a choice, for the editor's option lists. */
export function choicesOf<T extends string | number>(setting: 'size' | 'duration' | 'fps'): T[] {
	const values = new Set<T>();
	for (const id of modelsOfferingChoice(setting)) {
		for (const value of (settingsOf(findModel(id) as ModelSpec)[setting] ?? []) as readonly T[]) values.add(value);
	}
	return [...values];
}

/**
 * Settings worth showing in the editor: those the model takes, on some platform, and where it offers a choice. The
 * editor's display rules cannot see the credential, so a run checks the platform's own rules.
 */
export function modelsOfferingChoice(setting: SettingName): string[] {
	return MODELS.filter((model) => {
		const rule = settingsOf(model)[setting];
		return rule === true || (Array.isArray(rule) && rule.length > 1);
	}).map((model) => model.id);
}
