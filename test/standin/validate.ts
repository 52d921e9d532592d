// Validation of POST /videos/generations bodies against the stand-in's model table.
// Image sizes are read with the image-size package, independently of the node's own header reader.
import { imageSize } from 'image-size';

import { MAX_IMAGE_BYTES, MAX_PROMPT_CHARS, MODELS, allowedFields, optionsOn, type Family, type ModelRule, type PixelRule, type StandinPlatform } from './models';

export interface ApiError {
	status: number;
	code: string;
	message: string;
	/** The model is not one the platform lists: the server answers in the API's own words. */
	unknownModel?: true;
}

type Body = Record<string, unknown>;

const DATA_URL = /^data:image\/(png|jpeg|jpg|webp);base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(message: string, code = '1214'): ApiError {
	return { status: 400, code, message };
}

/** Returns the first problem with the body, or undefined when the platform's model would accept it. */
export function validateCreateBody(body: unknown, platform: StandinPlatform = 'china'): ApiError | undefined {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('request body must be a JSON object');
	const b = body as Body;
	if (typeof b.model !== 'string' || b.model === '') return invalid('model is required');
	const rule = MODELS[b.model];
	if (!rule || !rule.platforms.includes(platform)) return { ...invalid(`model ${b.model} does not exist`, '1211'), unknownModel: true };
	return (
		checkFieldNames(b, rule, platform) ??
		checkCommonTypes(b) ??
		checkPrompt(b, rule) ??
		checkImages(b, rule) ??
		checkOptions(b, rule, platform)
	);
}

function checkFieldNames(b: Body, rule: ModelRule, platform: StandinPlatform): ApiError | undefined {
	const allowed = new Set(allowedFields(rule, platform));
	const extra = Object.keys(b).find((k) => !allowed.has(k));
	return extra === undefined ? undefined : invalid(`parameter ${extra} is not supported by model ${b.model as string}`);
}

function checkCommonTypes(b: Body): ApiError | undefined {
	if ('prompt' in b && typeof b.prompt !== 'string') return invalid('prompt must be a string');
	// Z.ai's newest spec: 6 to 64 characters (API-EVIDENCE.md D11).
	if ('request_id' in b && (typeof b.request_id !== 'string' || b.request_id.length < 6 || b.request_id.length > 64)) {
		return invalid('request_id must be a string of 6 to 64 characters');
	}
	if ('user_id' in b) {
		const ok = typeof b.user_id === 'string' && b.user_id.length >= 6 && b.user_id.length <= 128;
		if (!ok) return invalid('user_id must be a string of 6 to 128 characters');
	}
	if ('watermark_enabled' in b && typeof b.watermark_enabled !== 'boolean') return invalid('watermark_enabled must be a boolean');
	return undefined;
}

function checkPrompt(b: Body, rule: ModelRule): ApiError | undefined {
	const prompt = (b.prompt as string | undefined) ?? '';
	// Count code points, the lenient reading: a node counting UTF-16 units is only stricter.
	if (Array.from(prompt).length > MAX_PROMPT_CHARS) return invalid(`prompt exceeds ${MAX_PROMPT_CHARS} characters`, '1261');
	const images = imageList(b.image_url);
	if (prompt === '' && Array.isArray(images) && images.length === 0) return invalid('prompt and image_url may not both be empty');
	if (prompt === '' && rule.imageCounts.every((n) => n === 0)) return invalid(`prompt is required for model ${b.model as string}`);
	return undefined;
}

/** image_url as a list; a string error message when its type is wrong. */
function imageList(value: unknown): unknown[] | string {
	if (value === undefined || value === '') return [];
	if (typeof value === 'string') return [value];
	if (Array.isArray(value)) return value;
	return 'image_url must be a string or an array of strings';
}

function checkImages(b: Body, rule: ModelRule): ApiError | undefined {
	const images = imageList(b.image_url);
	if (typeof images === 'string') return invalid(images);
	if (!rule.imageCounts.includes(images.length)) {
		return invalid(`image_url: model ${b.model as string} takes ${rule.imageCounts.join(' or ')} images, got ${images.length}`);
	}
	for (const [i, entry] of images.entries()) {
		const problem = checkImageEntry(entry, rule.family);
		if (problem) return invalid(`image_url[${i}]: ${problem}`);
	}
	return rule.pixels ? checkPixels(images as string[], rule.pixels) : undefined;
}

/** The width and height of an inline image; undefined for a URL, which the stand-in does not fetch. */
function inlineSize(entry: string): { width: number; height: number } | string | undefined {
	if (/^https?:\/\//i.test(entry)) return undefined;
	try {
		const { width, height } = imageSize(Buffer.from(entry.slice(entry.indexOf(',') + 1), 'base64'));
		return { width, height };
	} catch (error) {
		return `the image cannot be decoded (${(error as Error).message})`;
	}
}

function checkPixels(images: string[], pixels: PixelRule): ApiError | undefined {
	const sizes: Array<{ width: number; height: number } | undefined> = [];
	for (const [i, entry] of images.entries()) {
		const size = inlineSize(entry);
		if (typeof size === 'string') return invalid(`image_url[${i}]: ${size}`);
		sizes.push(size);
		if (!size) continue;
		const { width, height } = size;
		if (pixels.minSide !== undefined && Math.min(width, height) < pixels.minSide) {
			return invalid(`image_url[${i}]: the image is ${width}x${height}, smaller than ${pixels.minSide}x${pixels.minSide}`);
		}
		const [narrowest, widest] = pixels.aspect;
		if (width / height < narrowest || width / height > widest) {
			return invalid(`image_url[${i}]: the image is ${width}x${height}; its aspect ratio must be between 1:4 and 4:1`);
		}
	}
	const [first, last] = sizes;
	if (pixels.framesAspect && first && last) {
		const ratio = first.width / first.height / (last.width / last.height);
		const [low, high] = pixels.framesAspect;
		// A hair of tolerance: the bounds themselves are allowed, and floating point must not refuse them.
		if (ratio < low - 1e-9 || ratio > high + 1e-9) {
			return invalid(
				`image_url: the first frame is ${first.width}x${first.height} and the last ${last.width}x${last.height}; their aspect ratios must be within ${low} to ${high} of each other`,
			);
		}
	}
	return undefined;
}

/** Why one image_url entry is refused, or undefined. */
function checkImageEntry(entry: unknown, family: Family): string | undefined {
	if (typeof entry !== 'string' || entry === '') return 'must be a non-empty string';
	if (/^https?:\/\//i.test(entry)) return isHttpUrl(entry) ? undefined : 'is not a valid URL';
	const match = DATA_URL.exec(entry);
	if (!match && /^data:/i.test(entry)) return 'data URL must be data:image/(png|jpeg|jpg|webp);base64,...';
	if (!match && family === 'vidu') return 'base64 images need the data:image/...;base64, prefix';
	const base64 = match ? entry.slice(match[0].length) : entry;
	return checkBase64Image(base64, match?.[1], family);
}

function isHttpUrl(s: string): boolean {
	try {
		const url = new URL(s);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
	} catch {
		return false;
	}
}

function checkBase64Image(base64: string, declaredType: string | undefined, family: Family): string | undefined {
	if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) return 'is neither an http(s) URL nor valid base64';
	const bytes = decodedLength(base64);
	if (bytes > MAX_IMAGE_BYTES[family]) return `image is ${bytes} bytes, over the ${MAX_IMAGE_BYTES[family]} byte limit`;
	// CogVideoX takes png/jpeg only: refuse webp whether declared or sniffed from the bytes.
	if (family === 'cogvideox' && (declaredType === 'webp' || looksLikeWebp(base64))) return 'webp is not supported, use png or jpeg';
	return undefined;
}

function decodedLength(base64: string): number {
	const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
	return (base64.length / 4) * 3 - padding;
}

function looksLikeWebp(base64: string): boolean {
	const head = Buffer.from(base64.slice(0, 16), 'base64');
	return head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP';
}

function checkOptions(b: Body, rule: ModelRule, platform: StandinPlatform): ApiError | undefined {
	for (const [field, values] of Object.entries(optionsOn(rule, platform))) {
		if (!(field in b)) continue;
		const value = b[field];
		if (values === undefined) {
			if (typeof value !== 'boolean') return invalid(`${field} must be a boolean`);
		} else if (!values.includes(value as string | number)) {
			return invalid(`${field} ${JSON.stringify(value)} is not supported by model ${b.model as string}; use one of ${values.join(', ')}`);
		}
	}
	return undefined;
}
