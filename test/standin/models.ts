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
}

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

function vidu(imageCounts: number[], size: string[], duration: number, extra: Partial<ModelRule['options']> = {}): ModelRule {
	return {
		family: 'vidu',
		imageCounts,
		options: { size, duration: [duration], with_audio: undefined, movement_amplitude: MOVEMENT, ...extra },
		commonExtras: true,
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
	'viduq1-image': vidu([1], ['1920x1080'], 5),
	'viduq1-start-end': vidu([2], ['1920x1080'], 5),
	'vidu2-image': vidu([1], ['1280x720'], 4),
	// 480x360 is BigModel-only; the stand-in accepts it so both platforms' readings pass.
	'vidu2-start-end': vidu([2], ['1280x720', '480x360'], 4),
	'vidu2-reference': vidu([1, 2, 3], ['1280x720'], 4, { aspect_ratio: ASPECT }),
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
