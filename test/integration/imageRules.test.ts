// API.md's pixel rules for Vidu images, through the node against the stand-in: a rule-breaking item is refused before
// any create call, the other items still run, and the stand-in (reading sizes with image-size) refuses the same body.
import type { ReadStream } from 'node:fs';

import { CogVideoX } from '../../nodes/CogVideoX/CogVideoX.node';
import { binaryProperty, createContext } from '../helpers/executeContext';
import { fixture, png } from '../fixtures/images';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { credentialsFor, DEFAULT_PARAMETERS, runError, runNode } from './run';

let standin: Standin;

beforeAll(async () => {
	standin = await startStandin({ generationMs: 100 });
});
afterAll(async () => standin.close());

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };
const mimeOf = (name: string) => MIME[name.split('.').pop()!];
const dataUrl = (name: string) => `data:${mimeOf(name)};base64,${fixture(name).toString('base64')}`;

/** What the API answers to a create body sent straight to it, as the node would have sent it. */
async function apiAnswer(body: Record<string, unknown>): Promise<{ status: number; code?: string; message?: string }> {
	const response = await fetch(`${standin.apiUrl}/videos/generations`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${standin.apiKey}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ ...body, request_id: `direct-${Math.random()}` }),
	});
	const json = (await response.json()) as { error?: { code: string; message: string } };
	return { status: response.status, code: json.error?.code, message: json.error?.message };
}

const imageToVideo = (model: string) => ({ operation: 'imageToVideo', model, imageSource: 'binary', imageBinaryProperty: 'data', prompt: '' });
const framesFrom = (model: string) => ({ operation: 'firstLastFrame', model, imageSource: 'binary', firstFrameBinaryProperty: 'first', lastFrameBinaryProperty: 'last', prompt: 'From day to night' });
const withBinaries = (files: Record<string, string>, mode: 'memory' | 'filesystem' = 'memory') => ({
	binaryMode: mode,
	items: [{ json: {}, binary: Object.fromEntries(Object.entries(files).map(([property, name]) => [property, binaryProperty(fixture(name), mimeOf(name), name, mode)])) }],
});

interface RuleCase {
	name: string;
	parameters: Record<string, unknown>;
	files: Record<string, string>;
	message: string;
	/** The create body the node would have sent. */
	body: Record<string, unknown>;
}

const cases: RuleCase[] = [
	{
		name: 'a 130x1040 image on vidu2-image',
		parameters: imageToVideo('vidu2-image'),
		files: { data: 'rule-130x1040.jpg' },
		message: 'Image Binary Property: the image is 130x1040 (aspect ratio 1:8); vidu2-image needs an aspect ratio between 1:4 and 4:1',
		body: { model: 'vidu2-image', image_url: dataUrl('rule-130x1040.jpg') },
	},
	{
		name: 'a 64x64 image on viduq1-image',
		parameters: imageToVideo('viduq1-image'),
		files: { data: 'rule-64x64.png' },
		message: 'Image Binary Property: the image is 64x64; viduq1-image needs images of at least 128x128 pixels',
		body: { model: 'viduq1-image', image_url: dataUrl('rule-64x64.png') },
	},
	{
		name: 'a 64x64 reference image on vidu2-reference',
		parameters: {
			operation: 'referenceToVideo',
			model: 'vidu2-reference',
			imageSource: 'binary',
			prompt: 'The two friends walk on a beach',
			referenceImages: { images: [{ binaryProperty: 'a' }, { binaryProperty: 'b' }] },
		},
		files: { a: 'rule-256x144.webp', b: 'rule-64x64.png' },
		message: 'Reference Images › Image 2 Binary Property: the image is 64x64; vidu2-reference needs images of at least 128x128 pixels',
		body: { model: 'vidu2-reference', prompt: 'x', image_url: [dataUrl('rule-256x144.webp'), dataUrl('rule-64x64.png')] },
	},
	{
		name: 'a 1280x720 first frame and a 720x1280 last frame on vidu2-start-end',
		parameters: framesFrom('vidu2-start-end'),
		files: { first: 'rule-1280x720.jpg', last: 'rule-720x1280.webp' },
		message: "First Frame Binary Property: the image is 1280x720 and the last frame 720x1280; vidu2-start-end needs the two frames' aspect ratios within 0.8-1.25 of each other",
		body: { model: 'vidu2-start-end', image_url: [dataUrl('rule-1280x720.jpg'), dataUrl('rule-720x1280.webp')] },
	},
];

describe.each(['memory', 'filesystem'] as const)('each rule-breaking image is refused before any create call (%s binary mode)', (mode) => {
	it.each(cases.map((rule) => [rule.name, rule] as const))('%s', async (_name, rule) => {
		const before = standin.createCalls();
		const error = await runError(standin, rule.parameters, withBinaries(rule.files, mode));
		expect(error.message).toBe(rule.message);
		expect(standin.createCalls()).toBe(before);
	});
});

describe('the API would have refused the same images', () => {
	it.each(cases.map((rule) => [rule.name, rule] as const))('%s: 400, code 1214', async (_name, rule) => {
		expect(await apiAnswer(rule.body)).toMatchObject({ status: 400, code: '1214', message: expect.stringMatching(/^image_url/) });
	});

	it('and accepts the images that pass the node', async () => {
		expect(await apiAnswer({ model: 'vidu2-image', image_url: dataUrl('rule-256x144.png') })).toMatchObject({ status: 200 });
		expect(await apiAnswer({ model: 'vidu2-start-end', image_url: [dataUrl('rule-1280x720.jpg'), dataUrl('rule-256x144.png')] })).toMatchObject({ status: 200 });
	});
});

describe('one bad image among several items', () => {
	const files = ['rule-256x144.png', 'rule-130x1040.jpg', 'rule-1280x720.jpg'];
	const items = files.map((name) => ({ json: { name }, binary: { data: binaryProperty(fixture(name), mimeOf(name), name) } }));

	it('stops the run before any task is created', async () => {
		const before = standin.createCalls();
		const error = await runError(standin, imageToVideo('viduq1-image'), { items });
		expect(error.message).toBe('Image Binary Property: the image is 130x1040 (aspect ratio 1:8); viduq1-image needs an aspect ratio between 1:4 and 4:1');
		expect(standin.createCalls()).toBe(before);
	});

	it('with Continue On Fail: two videos, one error item, two tasks created', async () => {
		const before = standin.createCalls();
		const { items: out } = await runNode(standin, imageToVideo('viduq1-image'), { items, continueOnFail: true });
		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json.status).toBe('SUCCESS');
		expect(out[1].json).toEqual({ error: 'Image Binary Property: the image is 130x1040 (aspect ratio 1:8); viduq1-image needs an aspect ratio between 1:4 and 4:1' });
		expect(out[2].json.status).toBe('SUCCESS');
		expect(standin.createCalls() - before).toBe(2);
	});
});

describe('images the node cannot size', () => {
	it('a jpeg cut short before its frame header is refused in one line, before any create call', async () => {
		const cutShort = fixture('rule-1280x720.jpg').subarray(0, 100);
		const before = standin.createCalls();
		const error = await runError(standin, imageToVideo('vidu2-image'), { items: [{ json: {}, binary: { data: binaryProperty(cutShort, 'image/jpeg', 'cut.jpg') } }] });
		expect(error.message).toBe("Image Binary Property: cannot read the image's width and height: the jpeg file ends before its width and height (it may be cut short)");
		expect(standin.createCalls()).toBe(before);
	});

	it('a data URL given as the image URL is sized and checked too', async () => {
		const error = await runError(standin, { ...imageToVideo('vidu2-image'), imageSource: 'url', imageUrl: dataUrl('rule-130x1040.jpg') });
		expect(error.message).toBe('Image URL: the image is 130x1040 (aspect ratio 1:8); vidu2-image needs an aspect ratio between 1:4 and 4:1');
	});

	it('an http(s) URL is not fetched, so not checked: the API sizes it', async () => {
		const { items, test } = await runNode(standin, { ...imageToVideo('vidu2-image'), imageSource: 'url', imageUrl: 'https://images.example.com/tall-130x1040.jpg', options: { pollInterval: 0.05, download: false } });
		expect(items[0].json.status).toBe('SUCCESS');
		expect(test.requests.some((request) => request.url.includes('images.example.com'))).toBe(false);
	});

	it('CogVideoX has no pixel rules: a 130x1040 image is sent', async () => {
		const { items } = await runNode(standin, { ...imageToVideo('cogvideox-3'), options: { pollInterval: 0.05, download: false } }, withBinaries({ data: 'rule-130x1040.jpg' }));
		expect(standin.tasks.get(String(items[0].json.taskId))!.body.image_url).toBe(dataUrl('rule-130x1040.jpg'));
	});
});

it('a 40 MB image in filesystem mode: the check reads its first chunk, not the file', async () => {
	const big = png(40 * 1024 * 1024, 'big', 'rule-64x64.png');
	const test = createContext({
		credentials: credentialsFor(standin),
		binaryMode: 'filesystem',
		items: [{ json: {}, binary: { data: binaryProperty(big, 'image/png', 'big.png', 'filesystem') } }],
		parameters: { ...DEFAULT_PARAMETERS, operation: 'referenceToVideo', model: 'vidu2-reference', imageSource: 'binary', referenceImages: { images: [{ binaryProperty: 'data' }] } },
	});
	const streams: ReadStream[] = [];
	const open = test.ctx.helpers.getBinaryStream;
	test.ctx.helpers.getBinaryStream = async (id: string, chunkSize?: number) => {
		const stream = (await open(id, chunkSize)) as ReadStream;
		streams.push(stream);
		return stream;
	};
	const before = standin.createCalls();
	await expect(new CogVideoX().execute.call(test.ctx)).rejects.toThrow(
		'Reference Images › Image 1 Binary Property: the image is 64x64; vidu2-reference needs images of at least 128x128 pixels',
	);
	expect(standin.createCalls()).toBe(before);
	expect(streams).toHaveLength(1);
	expect(streams[0].destroyed).toBe(true);
	// fs may read a chunk ahead; the file is 640 chunks long.
	expect(streams[0].bytesRead).toBeLessThanOrEqual(2 * 64 * 1024);
	test.cleanup();
});
