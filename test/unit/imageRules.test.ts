// The per-model pixel rules (models.ts imageRules) as checkImagePixels applies them to known sizes.
import { InputError } from '../../nodes/CogVideoX/api/errors';
import type { SizedImage } from '../../nodes/CogVideoX/item/imageRules';
import { aspectText, checkImagePixels } from '../../nodes/CogVideoX/item/imageRules';
import { findModel, MODELS } from '../../nodes/CogVideoX/models';

const model = (id: string) => findModel(id)!;
const image = (size: string, field = 'Image Binary Property'): SizedImage => {
	const [width, height] = size.split('x').map(Number);
	return { field, width, height };
};
const frames = (first: string, last: string) => [image(first, 'First Frame Binary Property'), image(last, 'Last Frame Binary Property')];

function refusal(id: string, images: Array<SizedImage | undefined>): string {
	try {
		checkImagePixels(model(id), images);
	} catch (error) {
		expect(error).toBeInstanceOf(InputError);
		return (error as Error).message;
	}
	throw new Error(`${id} accepted ${JSON.stringify(images)}`);
}

describe('the cases that reached the API before: each is refused in one line naming the field, its size and the rule', () => {
	it('a 64x64 reference image', () => {
		expect(refusal('vidu2-reference', [image('256x144', 'Reference Images › Image 1 Binary Property'), image('64x64', 'Reference Images › Image 2 Binary Property')])).toBe(
			'Reference Images › Image 2 Binary Property: the image is 64x64; vidu2-reference needs images of at least 128x128 pixels',
		);
	});

	it('a 130x1040 image', () => {
		expect(refusal('vidu2-image', [image('130x1040')])).toBe(
			'Image Binary Property: the image is 130x1040 (aspect ratio 1:8); vidu2-image needs an aspect ratio between 1:4 and 4:1',
		);
	});

	it('a 1280x720 first frame with a 720x1280 last frame', () => {
		expect(refusal('vidu2-start-end', frames('1280x720', '720x1280'))).toBe(
			"First Frame Binary Property: the image is 1280x720 and the last frame 720x1280; vidu2-start-end needs the two frames' aspect ratios within 0.8-1.25 of each other",
		);
	});
});

describe('bounds are allowed, one pixel past them is not', () => {
	/** Passes, or throws the rule's message. */
	function expectVerdict(id: string, images: SizedImage[], passes: boolean, rule: RegExp): void {
		const check = () => checkImagePixels(model(id), images);
		if (passes) expect(check).not.toThrow();
		else expect(check).toThrow(rule);
	}

	it.each([
		['200x800', true],
		['800x200', true],
		['199x800', false],
		['800x199', false],
		['150x600', true],
		['4001x1000', false],
	])('aspect ratio on viduq1-image: %s passes: %s', (size, passes) => {
		expectVerdict('viduq1-image', [image(size)], passes, /needs an aspect ratio between 1:4 and 4:1$/);
	});

	it.each([
		['128x128', true],
		['128x127', false],
		['127x300', false],
	])('at least 128x128 on every Vidu model that takes images: %s passes: %s', (size, passes) => {
		for (const id of ['viduq1-image', 'vidu2-image', 'vidu2-reference']) {
			expectVerdict(id, [image(size)], passes, /needs images of at least 128x128 pixels$/);
		}
		for (const id of ['viduq1-start-end', 'vidu2-start-end']) {
			expectVerdict(id, frames(size, size), passes, /needs images of at least 128x128 pixels$/);
		}
	});

	it.each([
		['1280x720', '1024x720', true], // 1.25 exactly
		['1024x720', '1280x720', true], // 0.8 exactly
		['1281x720', '1024x720', false],
		['1023x720', '1280x720', false],
		['1920x1080', '256x144', true],
		['1280x720', '960x720', false], // 16:9 against 4:3 is 1.33
	])('frames on viduq1-start-end: %s then %s passes: %s', (first, last, passes) => {
		expectVerdict('viduq1-start-end', frames(first, last), passes, /aspect ratios within 0\.8-1\.25 of each other$/);
	});
});

describe('which model has which rule (shared/API.md: Vidu only)', () => {
	it('no CogVideoX model refuses an image for its pixels', () => {
		for (const cogvideox of MODELS.filter((spec) => spec.family === 'cogvideox')) {
			expect(() => checkImagePixels(cogvideox, [image('64x64')])).not.toThrow();
			expect(() => checkImagePixels(cogvideox, [image('130x1040')])).not.toThrow();
			expect(() => checkImagePixels(cogvideox, frames('1280x720', '720x1280'))).not.toThrow();
		}
	});

	it('the 128x128 minimum holds for every Vidu image; CogVideoX has no pixel rule, so a 64x64 image passes it', () => {
		for (const id of ['viduq1-image', 'vidu2-image', 'vidu2-reference']) expect(() => checkImagePixels(model(id), [image('64x64')])).toThrow(/128x128/);
		for (const id of ['viduq1-start-end', 'vidu2-start-end']) expect(() => checkImagePixels(model(id), frames('64x64', '64x64'))).toThrow(/128x128/);
		for (const id of ['cogvideox-3', 'cogvideox-2']) expect(() => checkImagePixels(model(id), [image('64x64')])).not.toThrow();
	});

	it('every Vidu model that takes images refuses 1:8, both start-end models refuse mismatched frames', () => {
		const viduWithImages = MODELS.filter((spec) => spec.family === 'vidu' && !spec.operations.includes('textToVideo'));
		expect(viduWithImages.map((spec) => spec.id)).toEqual(['viduq1-image', 'viduq1-start-end', 'vidu2-image', 'vidu2-start-end', 'vidu2-reference']);
		for (const spec of viduWithImages) expect(() => checkImagePixels(spec, [image('130x1040')])).toThrow(/1:4 and 4:1/);
		for (const id of ['viduq1-start-end', 'vidu2-start-end']) expect(() => checkImagePixels(model(id), frames('1280x720', '720x1280'))).toThrow(/0\.8-1\.25/);
	});

	it('a frame given as an http(s) URL has no known size: the pair is not compared', () => {
		expect(() => checkImagePixels(model('vidu2-start-end'), [image('1280x720', 'First Frame URL'), undefined])).not.toThrow();
		expect(() => checkImagePixels(model('vidu2-start-end'), [undefined, image('130x1040', 'Last Frame URL')])).toThrow(/^Last Frame URL: the image is 130x1040/);
	});
});

it.each([
	[1280, 720, '1.78:1'],
	[130, 1040, '1:8'],
	[1024, 1024, '1:1'],
	[720, 1280, '1:1.78'],
])('aspect ratio of %ix%i reads %s', (width, height, text) => {
	expect(aspectText(width, height)).toBe(text);
});
