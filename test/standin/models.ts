// The stand-in's own reading of the per-model rules in shared/API.md and shared/API-EVIDENCE.md.
// Written independently of nodes/ on purpose: a mistake in the node's table should show up as a 400 here.

export type Family = 'cogvideox' | 'vidu';

/** Whose docs the stand-in follows: BigModel's (china) or Z.ai's (international). */
export type StandinPlatform = 'china' | 'international';

export interface ModelRule {
	family: Family;
	/** Accepted numbers of image_url entries. */
	imageCounts: number[];
	/** Optional fields the model takes, with their accepted values (undefined = any boolean). */
	options: Partial<Record<OptionField, ReadonlyArray<string | number> | undefined>>;
	/** The common fields beyond model, prompt, image_url and request_id that the model's schema includes. */
	commonExtras: ReadonlyArray<'user_id' | 'watermark_enabled'>;
	/** The platforms whose docs list the model. */
	platforms: readonly StandinPlatform[];
	/** Options one platform's docs give that the other's do not. */
	platformOptions?: Partial<Record<StandinPlatform, Partial<ModelRule['options']>>>;
	/** Pixel rules on the images, where shared/API.md gives some (Vidu only). */
	pixels?: PixelRule;
}

export interface PixelRule {
	/** Smallest width and height. */
	minSide?: number;
	/** Narrowest and widest width/height. */
	aspect: [number, number];
	/** Smallest and largest first-frame aspect ratio divided by the last frame's. */
	framesAspect?: [number, number];
}

// shared/API.md: "aspect ratio between 1:4 and 4:1", "the two frames' resolutions must be within a ratio of 0.8 to
// 1.25 of each other" (the Vidu docs: aspect ratios), "Reference images must be at least 128x128" (read, as the
// node reads it, as a minimum for every Vidu image).
const VIDU_ASPECT: [number, number] = [0.25, 4];
const VIDU_IMAGE: PixelRule = { aspect: VIDU_ASPECT, minSide: 128 };
const START_END: PixelRule = { ...VIDU_IMAGE, framesAspect: [0.8, 1.25] };

type OptionField =
	| 'size'
	| 'duration'
	| 'fps'
	| 'quality'
	| 'with_audio'
	| 'style'
	| 'aspect_ratio'
	| 'movement_amplitude';

const QUALITY = ['speed', 'quality'];
const FPS = [30, 60];
const ASPECT = ['16:9', '9:16', '1:1'];
const MOVEMENT = ['auto', 'small', 'medium', 'large'];

// Fields every model takes; the model-specific ones come from `options`.
const BASE_FIELDS = ['model', 'prompt', 'image_url', 'request_id'];
// The CogVideoX schemas include BaseVideoGenerationRequest (watermark_enabled) and VideoCommonRequest (user_id); the
// Vidu schemas only the latter (API-EVIDENCE.md D9).
const COGVIDEOX_EXTRAS = ['user_id', 'watermark_enabled'] as const;
const VIDU_EXTRAS = ['user_id'] as const;
const BOTH: StandinPlatform[] = ['china', 'international'];

function vidu(imageCounts: number[], size: string[], duration: number, pixels: PixelRule, extra: Partial<ModelRule['options']> = {}): ModelRule {
	return {
		family: 'vidu',
		imageCounts,
		options: { size, duration: [duration], with_audio: undefined, movement_amplitude: MOVEMENT, ...extra },
		commonExtras: VIDU_EXTRAS,
		platforms: BOTH,
		pixels,
	};
}

export const MODELS: Record<string, ModelRule> = {
	'cogvideox-3': {
		family: 'cogvideox',
		imageCounts: [0, 1, 2],
		options: {
			size: ['1280x720', '720x1280', '1024x1024', '1920x1080', '1080x1920', '2048x1080', '3840x2160'],
			duration: [5, 10],
			fps: FPS,
			quality: QUALITY,
			with_audio: undefined,
		},
		commonExtras: COGVIDEOX_EXTRAS,
		platforms: BOTH,
	},
	// Z.ai documents neither cogvideox-2 nor cogvideox-flash.
	'cogvideox-2': {
		family: 'cogvideox',
		imageCounts: [0, 1],
		options: {
			size: ['720x480', '1024x1024', '1280x960', '960x1280', '1920x1080', '1080x1920', '2048x1080', '3840x2160'],
			// BigModel's current CogVideoXRequest has no duration; only an older page listed it (API-EVIDENCE.md D7).
			fps: FPS,
			quality: QUALITY,
			with_audio: undefined,
		},
		commonExtras: COGVIDEOX_EXTRAS,
		platforms: ['china'],
	},
	// The spec gives flash cogvideox-2's fields; the only measured call sent none, and one third party says duration
	// is refused (API-EVIDENCE.md D6): the stand-in takes the strict reading.
	'cogvideox-flash': { family: 'cogvideox', imageCounts: [0, 1], options: {}, commonExtras: [], platforms: ['china'] },
	// viduq1-text has no with_audio, but style and aspect_ratio.
	'viduq1-text': {
		family: 'vidu',
		imageCounts: [0],
		options: { size: ['1920x1080'], duration: [5], style: ['general', 'anime'], aspect_ratio: ASPECT, movement_amplitude: MOVEMENT },
		commonExtras: VIDU_EXTRAS,
		platforms: BOTH,
	},
	// BigModel: background music only for 4-second videos, and viduq1-image makes 5; Z.ai: no such limit (D8).
	'viduq1-image': { ...vidu([1], ['1920x1080'], 5, VIDU_IMAGE), options: { size: ['1920x1080'], duration: [5], movement_amplitude: MOVEMENT }, platformOptions: { international: { with_audio: undefined } } },
	'viduq1-start-end': vidu([2], ['1920x1080'], 5, START_END),
	'vidu2-image': vidu([1], ['1280x720'], 4, VIDU_IMAGE),
	// 480x360 is in BigModel's spec only (D12).
	'vidu2-start-end': { ...vidu([2], ['1280x720'], 4, START_END), platformOptions: { china: { size: ['1280x720', '480x360'] } } },
	'vidu2-reference': vidu([1, 2, 3], ['1280x720'], 4, VIDU_IMAGE, { aspect_ratio: ASPECT }),
};

/** Image size limits, decoded bytes. "5 MB" / "50 MB" read as MiB. */
export const MAX_IMAGE_BYTES: Record<Family, number> = {
	cogvideox: 5 * 1024 * 1024,
	vidu: 50 * 1024 * 1024,
};

export const MAX_PROMPT_CHARS = 512;

/** The model's options on a platform: its own, and what that platform's docs add or widen. */
export function optionsOn(rule: ModelRule, platform: StandinPlatform): ModelRule['options'] {
	return { ...rule.options, ...rule.platformOptions?.[platform] };
}

export function allowedFields(rule: ModelRule, platform: StandinPlatform): string[] {
	return [...BASE_FIELDS, ...rule.commonExtras, ...Object.keys(optionsOn(rule, platform))];
}

/** The tokenizer's models, per platform's docs. */
const TOKENIZER_MODELS: Record<StandinPlatform, string[]> = {
	china: ['glm-4-plus', 'glm-4-0520', 'glm-4-long', 'glm-4-air', 'glm-4-flash'],
	international: ['glm-4.6', 'glm-4.6v', 'glm-4.5'],
};

/** The field a POST /tokenizer body gets wrong (model and a non-empty messages list are required), or undefined. */
export function checkTokenizerBody(body: unknown, platform: StandinPlatform): string | undefined {
	const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
	if (typeof b.model !== 'string' || !TOKENIZER_MODELS[platform].includes(b.model)) return 'model';
	const messages = b.messages;
	const ok = Array.isArray(messages) && messages.length > 0 && messages.every((m) => m && typeof m === 'object' && typeof (m as { content?: unknown }).content === 'string');
	return ok ? undefined : 'messages';
}
