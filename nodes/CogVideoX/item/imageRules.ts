/**
 * The per-model pixel rules (models.ts `imageRules`) applied to the images of one item, once their sizes are known.
 * Pure: no I/O. Each refusal is one line that names the field, the image's size and the rule.
 */
import { InputError } from '../api/errors';
import type { Dimensions } from './imageDimensions';
import type { ModelSpec, Ratio } from '../models';

/** An image whose width and height were read, with the field it came from as the editor names it. */
export interface SizedImage extends Dimensions {
	field: string;
}

const decimal = (value: number) => String(Math.round(value * 100) / 100);

/** "16:9"-like text for an aspect ratio: 1280x720 is "1.78:1", 130x1040 is "1:8". */
export function aspectText(width: number, height: number): string {
	return width >= height ? `${decimal(width / height)}:1` : `1:${decimal(height / width)}`;
}

const ratioText = ([a, b]: Ratio) => `${a}:${b}`;
const ratioValue = ([a, b]: Ratio) => decimal(a / b);

/** Whether a/b lies within [min, max], compared in whole numbers so that a bound itself passes. */
function within(a: bigint, b: bigint, { min, max }: { min: Ratio; max: Ratio }): boolean {
	return a * BigInt(min[1]) >= b * BigInt(min[0]) && a * BigInt(max[1]) <= b * BigInt(max[0]);
}

/**
 * Refuses the item when an image breaks a pixel rule of its model. `images` are in the order they are sent (first
 * frame first); an entry is undefined where the size is not known: an http(s) URL, which the node does not fetch.
 */
export function checkImagePixels(model: ModelSpec, images: ReadonlyArray<SizedImage | undefined>): void {
	const rules = model.imageRules;
	if (!rules) return;
	for (const image of images) {
		if (!image) continue;
		const { field, width, height } = image;
		if (rules.minSide !== undefined && (width < rules.minSide || height < rules.minSide)) {
			throw new InputError(`${field}: the image is ${width}x${height}; ${model.id} needs images of at least ${rules.minSide}x${rules.minSide} pixels`);
		}
		if (rules.aspect && !within(BigInt(width), BigInt(height), rules.aspect)) {
			const { min, max } = rules.aspect;
			throw new InputError(
				`${field}: the image is ${width}x${height} (aspect ratio ${aspectText(width, height)}); ${model.id} needs an aspect ratio between ${ratioText(min)} and ${ratioText(max)}`,
			);
		}
	}
	const [first, last] = images;
	const match = rules.frameAspectMatch;
	if (match && images.length === 2 && first && last) {
		// (w1 / h1) / (w2 / h2) as one fraction of whole numbers.
		const ratio = [BigInt(first.width) * BigInt(last.height), BigInt(first.height) * BigInt(last.width)] as const;
		if (!within(ratio[0], ratio[1], match)) {
			throw new InputError(
				`${first.field}: the image is ${first.width}x${first.height} and the last frame ${last.width}x${last.height}; ${model.id} needs the two frames' aspect ratios within ${ratioValue(match.min)}-${ratioValue(match.max)} of each other`,
			);
		}
	}
}
