// The stand-in's own reading of the per-model rules in shared/API.md.
// Written independently of nodes/ on purpose: a mistake in the node's table should show up as a 400 here.

export type Family = 'cogvideox' | 'vidu';

export interface ModelRule {
	family: Family;
	/** Accepted numbers of image_url entries. */
	imageCounts: number[];
	/** Optional fields the model takes, with their accepted values (undefined = any boolean). */
	options: Partial<Record<OptionField, ReadonlyArray<string | number> | undefined>>;
	/** cogvideox-flash takes neither user_id nor watermark_enabled. */
	commonExtras: boolean;
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
const COMMON_EXTRAS = ['user_id', 'watermark_enabled'];

function vidu(imageCounts: number[], size: string[], duration: number, pixels: PixelRule, extra: Partial<ModelRule['options']> = {}): ModelRule {
	return {
		family: 'vidu',
		imageCounts,
		options: { size, duration: [duration], with_audio: undefined, movement_amplitude: MOVEMENT, ...extra },
		commonExtras: true,
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
		commonExtras: true,
	},
	'cogvideox-2': {
		family: 'cogvideox',
		imageCounts: [0, 1],
		options: {
			size: ['720x480', '1024x1024', '1280x960', '960x1280', '1920x1080', '1080x1920', '2048x1080', '3840x2160'],
			// Only older docs list duration for cogvideox-2; accepting it keeps both readings working.
			duration: [5, 10],
			fps: FPS,
			quality: QUALITY,
			with_audio: undefined,
		},
		commonExtras: true,
	},
	'cogvideox-flash': { family: 'cogvideox', imageCounts: [0, 1], options: {}, commonExtras: false },
	// viduq1-text has no with_audio, but style and aspect_ratio.
	'viduq1-text': {
		family: 'vidu',
		imageCounts: [0],
		options: { size: ['1920x1080'], duration: [5], style: ['general', 'anime'], aspect_ratio: ASPECT, movement_amplitude: MOVEMENT },
		commonExtras: true,
	},
	'viduq1-image': vidu([1], ['1920x1080'], 5, VIDU_IMAGE),
	'viduq1-start-end': vidu([2], ['1920x1080'], 5, START_END),
	'vidu2-image': vidu([1], ['1280x720'], 4, VIDU_IMAGE),
	// 480x360 is BigModel-only; the stand-in accepts it so both platforms' readings pass.
	'vidu2-start-end': vidu([2], ['1280x720', '480x360'], 4, START_END),
	'vidu2-reference': vidu([1, 2, 3], ['1280x720'], 4, VIDU_IMAGE, { aspect_ratio: ASPECT }),
};

/** Image size limits, decoded bytes. "5 MB" / "50 MB" read as MiB. */
export const MAX_IMAGE_BYTES: Record<Family, number> = {
	cogvideox: 5 * 1024 * 1024,
	vidu: 50 * 1024 * 1024,
};

export const MAX_PROMPT_CHARS = 512;

export function allowedFields(rule: ModelRule): string[] {
	return [...BASE_FIELDS, ...(rule.commonExtras ? COMMON_EXTRAS : []), ...Object.keys(rule.options)];
}
