import type { IBinaryData } from 'n8n-workflow';

import { binaryProperty } from '../helpers/executeContext';
import { gif, png, webp } from '../fixtures/images';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import type { ParameterValue } from '../helpers/executeContext';
import { runError, runNode } from './run';

let standin: Standin;

beforeAll(async () => {
	standin = await startStandin({ generationMs: 100 });
});
afterAll(async () => standin.close());

const MB = 1024 * 1024;
const withImage = (image: IBinaryData) => ({ items: [{ json: {}, binary: { data: image } }] });
const imageToVideo = { operation: 'imageToVideo', imageSource: 'binary', imageBinaryProperty: 'data' };

type Case = [string, Record<string, ParameterValue>, RegExp, object?];

const cases: Case[] = [
	['an empty prompt with no image', { prompt: '   ' }, /^Prompt is empty: cogvideox-3 needs a prompt of 1 to 512 characters/],
	['a prompt over 512 characters', { prompt: 'a'.repeat(513) }, /^Prompt is 513 characters long; the API takes at most 512$/],
	['a size the model does not take', { videoSettings: { size: '720x480' } }, /^Video Settings › Size: "720x480" is not available for cogvideox-3\. Allowed: 1280x720, /],
	['a duration the model does not take', { videoSettings: { duration: 7 } }, /^Video Settings › Duration: "7" is not available for cogvideox-3\. Allowed: 5, 10$/],
	['an fps the model does not take', { videoSettings: { fps: 24 } }, /^Video Settings › FPS: "24" is not available for cogvideox-3\. Allowed: 30, 60$/],
	['a setting the model does not take at all', { model: 'cogvideox-flash', videoSettings: { fps: 30 } }, /^Video Settings › FPS: cogvideox-flash does not take this setting\. Remove it, or use a model that takes it: cogvideox-3, cogvideox-2$/],
	['a duration that is not a number', { videoSettings: { duration: 'five' } }, /^Video Settings › Duration: "five" is not a number$/],
	['a user id that is too short', { videoSettings: { userId: 'abc' } }, /^Video Settings › User ID: must be 6 to 128 characters, got 3$/],
	['an unknown model', { model: 'cogvideox-9' }, /^Model: "cogvideox-9" is not a known model\. Allowed for Text to Video: cogvideox-3, cogvideox-2, cogvideox-flash, viduq1-text$/],
	['a model of another operation', { ...imageToVideo, model: 'viduq1-text' }, /^Model: "viduq1-text" does not do Image to Video\. Allowed for Image to Video: /, withImage(binaryProperty(png(), 'image/png', 'a.png'))],
	['too many reference images', { operation: 'referenceToVideo', model: 'vidu2-reference', imageSource: 'url', referenceImages: { images: [1, 2, 3, 4].map((n) => ({ url: `https://example.com/${n}.png` })) } }, /^Images: Reference Images to Video takes 1 to 3 images, got 4$/],
	['no reference images', { operation: 'referenceToVideo', model: 'vidu2-reference', imageSource: 'url', referenceImages: {} }, /^Images: Reference Images to Video takes 1 to 3 images, got 0$/],
	['a missing binary property', { ...imageToVideo, imageBinaryProperty: 'photo' }, /^Image Binary Property: binary property "photo" is not on the input item \(the item has: data\)$/, withImage(binaryProperty(png(), 'image/png', 'a.png'))],
	['a binary that is not an image', { ...imageToVideo }, /^Image Binary Property: cogvideox-3 takes png, jpeg images; this file is not a png, jpeg or webp image$/, withImage(binaryProperty(gif(), 'image/gif', 'a.gif'))],
	['a webp for CogVideoX', { ...imageToVideo }, /^Image Binary Property: cogvideox-3 takes png, jpeg images; this file is webp$/, withImage(binaryProperty(webp(), 'image/webp', 'a.webp'))],
	['an image over the CogVideoX limit', { ...imageToVideo }, /^Image Binary Property: the image is 5\.1 MB; cogvideox-3 takes images up to 5 MB$/, withImage(binaryProperty(png(5 * MB + 100 * 1024), 'image/png', 'big.png', 'filesystem'))],
	['an image over the Vidu limit', { ...imageToVideo, model: 'vidu2-image' }, /^Image Binary Property: the image is 50\.1 MB; vidu2-image takes images up to 50 MB$/, { binaryMode: 'filesystem', ...withImage(binaryProperty(png(50 * MB + 100 * 1024), 'image/png', 'huge.png', 'filesystem')) }],
	['an image URL that is not http(s)', { operation: 'imageToVideo', imageSource: 'url', imageUrl: 'ftp://example.com/a.png' }, /^Image URL: "ftp:\/\/example\.com\/a\.png" is not an http\(s\) URL or a data:image\/…;base64 URL$/],
	['an empty image URL', { operation: 'imageToVideo', imageSource: 'url', imageUrl: '' }, /^Image URL is empty: enter an http\(s\) URL of the image$/],
	['an empty task id', { operation: 'getResult', taskId: ' ' }, /^Task ID is empty/],
	['a poll interval of zero', { options: { pollInterval: 0 } }, /^Options › Poll Interval: "0" is not a positive number of seconds$/],
];

describe('bad input is refused in one line that names the field, before any create call', () => {
	// A rest parameter keeps the callback's arity at 0: jest takes a 4th declared parameter for a `done` callback.
	it.each(cases)('%s', async (...[, parameters, message, options]: Case) => {
		const before = standin.createCalls();
		const error = await runError(standin, parameters, options);
		expect(error.message).toMatch(message);
		expect(error.message).not.toContain('\n');
		expect(standin.createCalls()).toBe(before);
	});
});

describe('bad input on one item of many', () => {
	const prompts = ['A sunrise', 'x'.repeat(600), 'A sunset'];
	const parameters = { prompt: (i: number) => prompts[i] };
	const items = prompts.map((prompt) => ({ json: { prompt } }));

	it('stops the whole run before any task is created', async () => {
		const before = standin.createCalls();
		const error = await runError(standin, parameters, { items });
		expect(error.message).toMatch(/^Prompt is 600 characters long/);
		expect(standin.createCalls()).toBe(before);
	});

	it('with Continue On Fail, becomes an error item while the other items complete in order', async () => {
		const { items: out } = await runNode(standin, parameters, { items, continueOnFail: true });
		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json.status).toBe('SUCCESS');
		expect(out[1].json).toEqual({ error: 'Prompt is 600 characters long; the API takes at most 512' });
		expect(out[2].json.status).toBe('SUCCESS');
	});
});

describe('the credential’s platform decides the models and settings, checked before any call', () => {
	// Refused before any request: these credentials point at the real platforms, which tests never reach.
	const on = (region: 'china' | 'international') => ({ credentials: { apiKey: 'test-id.test-secret', region } });

	it.each([
		['cogvideox-flash on International (Z.ai lists it nowhere)', 'international', { model: 'cogvideox-flash' },
			'Model: cogvideox-flash is not offered on the International (api.z.ai) platform: its API reference does not list it. Allowed for Text to Video there: cogvideox-3, viduq1-text'],
		['a model from an expression that International does not offer', 'international', { model: () => 'cogvideox-2' },
			'Model: cogvideox-2 is not offered on the International (api.z.ai) platform: its API reference does not list it. Allowed for Text to Video there: cogvideox-3, viduq1-text'],
		['480x360 on International (BigModel only)', 'international',
			{ operation: 'firstLastFrame', model: 'vidu2-start-end', imageSource: 'url', firstFrameUrl: 'https://e.com/a.png', lastFrameUrl: 'https://e.com/b.png', videoSettings: { size: '480x360' } },
			'Video Settings › Size: "480x360" is not available for vidu2-start-end on the International (api.z.ai) platform. Allowed: 1280x720'],
		['With Audio on viduq1-image on China (4-second videos only, and it makes 5)', 'china',
			{ operation: 'imageToVideo', model: 'viduq1-image', imageSource: 'url', imageUrl: 'https://e.com/a.png', videoSettings: { withAudio: true } },
			'Video Settings › With Audio: viduq1-image does not take this setting on the China (open.bigmodel.cn) platform. Remove it, or use a model that takes it: cogvideox-3, cogvideox-2, viduq1-start-end, vidu2-image, vidu2-start-end, vidu2-reference'],
	] as Array<[string, 'china' | 'international', Record<string, ParameterValue>, string]>)('%s', async (_name, region, parameters, message) => {
		const error = await runError(standin, parameters, on(region));
		expect(error.message).toBe(message);
	});
});
