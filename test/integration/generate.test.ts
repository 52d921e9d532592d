import { createHash } from 'node:crypto';

import { binaryProperty } from '../helpers/executeContext';
import { jpeg, png, webp } from '../fixtures/images';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { runError, runNode } from './run';

let standin: Standin;

beforeAll(async () => {
	standin = await startStandin({ generationMs: 150 });
});
afterAll(async () => standin.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('Text to Video', () => {
	it('creates one task per item, waits, and delivers each mp4 as binary data in input order', async () => {
		const prompts = ['A red fox runs through snow', 'A paper boat on a rainy street', 'Fireworks over a harbour'];
		const { items, test } = await runNode(
			standin,
			{ prompt: (i: number) => prompts[i], videoSettings: { size: '1920x1080', duration: 10, fps: 60, quality: 'quality', withAudio: true } },
			{ items: prompts.map((prompt) => ({ json: { prompt } })) },
		);
		expect(items).toHaveLength(3);
		items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			const task = standin.tasks.get(String(item.json.taskId))!;
			expect(task.body).toMatchObject({
				model: 'cogvideox-3',
				prompt: prompts[index],
				size: '1920x1080',
				duration: 10,
				fps: 60,
				quality: 'quality',
				with_audio: true,
			});
			expect(item.json).toMatchObject({
				taskId: task.id,
				requestId: task.requestId,
				model: 'cogvideox-3',
				status: 'SUCCESS',
				prompt: prompts[index],
				videoUrl: task.videoUrl,
				coverImageUrl: task.coverUrl,
			});
			expect(item.json.timings).toMatchObject({ polls: expect.any(Number), waitSeconds: expect.any(Number) });
			const video = item.binary!.data;
			expect(video).toMatchObject({ fileName: `${task.id}.mp4`, mimeType: 'video/mp4' });
			const bytes = test.bytesOf(video);
			expect(bytes.length).toBe(task.videoSize);
			expect(sha256(bytes)).toBe(task.videoSha256);
		});
		expect(standin.fileAuthorizationHeaders).toEqual([]);
	});

	it('sends cogvideox-flash only the model and the prompt', async () => {
		const { items } = await runNode(standin, { model: 'cogvideox-flash' });
		const task = standin.tasks.get(String(items[0].json.taskId))!;
		expect(Object.keys(task.body).sort()).toEqual(['model', 'prompt', 'request_id']);
	});

	it('sends the Vidu text settings under their API names', async () => {
		const { items } = await runNode(standin, {
			model: 'viduq1-text',
			videoSettings: { style: 'anime', aspectRatio: '9:16', movementAmplitude: 'large', userId: 'user-123456' },
		});
		expect(standin.tasks.get(String(items[0].json.taskId))!.body).toEqual({
			model: 'viduq1-text',
			prompt: 'A red fox runs through snow',
			request_id: expect.any(String),
			style: 'anime',
			aspect_ratio: '9:16',
			movement_amplitude: 'large',
			user_id: 'user-123456',
		});
	});

	it('sends watermark_enabled to CogVideoX only: the Vidu schemas have no such field', async () => {
		const { items } = await runNode(standin, { videoSettings: { watermark: false } });
		expect(standin.tasks.get(String(items[0].json.taskId))!.body).toMatchObject({ watermark_enabled: false });
		const error = await runError(standin, { model: 'viduq1-text', videoSettings: { watermark: false } });
		expect(error.message).toBe('Video Settings › Watermark: viduq1-text does not take this setting. Remove it, or use a model that takes it: cogvideox-3, cogvideox-2');
	});

	it('takes model, size and duration from expressions, item by item', async () => {
		const rows = [
			{ model: 'cogvideox-3', size: '3840x2160', duration: '10' },
			{ model: 'cogvideox-2', size: '720x480', duration: '' },
		];
		const { items } = await runNode(standin, {
			model: (i: number) => rows[i].model,
			videoSettings: (i: number) => ({ size: rows[i].size, duration: rows[i].duration }),
			options: { pollInterval: 0.05, download: false },
		}, { items: rows.map((row) => ({ json: row })) });
		expect(items.map((item) => standin.tasks.get(String(item.json.taskId))!.body)).toMatchObject([
			{ model: 'cogvideox-3', size: '3840x2160', duration: 10 },
			{ model: 'cogvideox-2', size: '720x480' },
		]);
		expect(standin.tasks.get(String(items[1].json.taskId))!.body).not.toHaveProperty('duration');
		expect(items.every((item) => item.binary === undefined)).toBe(true);
	});

	it('returns the task id at once when Wait for Completion is off, and Get Result finishes it later', async () => {
		const { items } = await runNode(standin, { waitForCompletion: false });
		expect(items[0].json).toMatchObject({ status: 'PROCESSING', model: 'cogvideox-3' });
		const taskId = String(items[0].json.taskId);
		expect(standin.tasks.get(taskId)!.polls).toBe(0);

		const pending = await runNode(standin, { operation: 'getResult', taskId, waitForCompletion: false });
		expect(pending.items[0].json).toMatchObject({ taskId, status: 'PROCESSING', model: 'cogvideox-3' });

		const done = await runNode(standin, { operation: 'getResult', taskId, options: { pollInterval: 0.05, downloadCover: true } });
		expect(done.items[0].json).toMatchObject({ taskId, status: 'SUCCESS', requestId: standin.tasks.get(taskId)!.requestId });
		expect(sha256(done.test.bytesOf(done.items[0].binary!.data))).toBe(standin.tasks.get(taskId)!.videoSha256);
		// The cover is the JPEG the third host served, named and typed as one.
		expect(done.test.bytesOf(done.items[0].binary!.cover)).toEqual(standin.coverBytesFor(taskId));
		expect(done.items[0].binary!.cover).toMatchObject({ fileName: `${taskId}.jpg`, mimeType: 'image/jpeg' });
	});

	it('called by an AI agent as a tool, answers with the video URL in JSON and no binary by default', async () => {
		const { items } = await runNode(standin, {}, { tool: true });
		expect(items[0].binary).toBeUndefined();
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', videoUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/video\/.+\.mp4$/) });
		const asked = await runNode(standin, { options: { pollInterval: 0.05, download: true } }, { tool: true });
		expect(Object.keys(asked.items[0].binary!)).toEqual(['data']);
	});

	it('puts the video into the binary property the options name', async () => {
		const { items } = await runNode(standin, { options: { pollInterval: 0.05, outputBinaryProperty: 'video' } });
		expect(Object.keys(items[0].binary!)).toEqual(['video']);
	});
});

describe.each(['memory', 'filesystem'] as const)('images from binary properties (%s binary mode)', (mode) => {
	it('Image to Video sends the image as a data URL and returns the video', async () => {
		const image = png(4096, `image-${mode}`);
		const { items, test } = await runNode(
			standin,
			{ operation: 'imageToVideo', imageSource: 'binary', imageBinaryProperty: 'photo', prompt: '' },
			{ binaryMode: mode, items: [{ json: {}, binary: { photo: binaryProperty(image, 'application/octet-stream', 'photo.bin', mode) } }] },
		);
		const task = standin.tasks.get(String(items[0].json.taskId))!;
		expect(task.body.image_url).toBe(`data:image/png;base64,${image.toString('base64')}`);
		expect(task.body.prompt).toBeUndefined();
		expect(sha256(test.bytesOf(items[0].binary!.data))).toBe(task.videoSha256);
	});

	it('First & Last Frame sends both frames, first frame first', async () => {
		const first = jpeg(3000);
		const last = png(3000, 'last');
		const { items } = await runNode(
			standin,
			{ operation: 'firstLastFrame', model: 'viduq1-start-end', imageSource: 'binary', firstFrameBinaryProperty: 'first', lastFrameBinaryProperty: 'last' },
			{
				binaryMode: mode,
				items: [{ json: {}, binary: { first: binaryProperty(first, 'image/jpeg', 'a.jpg', mode), last: binaryProperty(last, 'image/png', 'b.png', mode) } }],
			},
		);
		expect(standin.tasks.get(String(items[0].json.taskId))!.body.image_url).toEqual([
			`data:image/jpeg;base64,${first.toString('base64')}`,
			`data:image/png;base64,${last.toString('base64')}`,
		]);
	});

	it('Reference Images sends 1 to 3 images as a list, webp included for Vidu', async () => {
		const refs = [png(2000, 'r1'), webp(), jpeg(2000)];
		const { items } = await runNode(
			standin,
			{
				operation: 'referenceToVideo',
				model: 'vidu2-reference',
				imageSource: 'binary',
				referenceImages: { images: [{ binaryProperty: 'a' }, { binaryProperty: 'b' }, { binaryProperty: 'c' }] },
				videoSettings: { aspectRatio: '1:1', withAudio: true },
			},
			{
				binaryMode: mode,
				items: [{ json: {}, binary: { a: binaryProperty(refs[0], 'image/png', 'a.png', mode), b: binaryProperty(refs[1], 'image/webp', 'b.webp', mode), c: binaryProperty(refs[2], 'image/jpeg', 'c.jpg', mode) } }],
			},
		);
		const body = standin.tasks.get(String(items[0].json.taskId))!.body;
		expect(body.image_url).toEqual([
			`data:image/png;base64,${refs[0].toString('base64')}`,
			`data:image/webp;base64,${refs[1].toString('base64')}`,
			`data:image/jpeg;base64,${refs[2].toString('base64')}`,
		]);
		expect(body).toMatchObject({ aspect_ratio: '1:1', with_audio: true });
	});
});

describe('images from URLs', () => {
	it('passes the URLs to the API without fetching them', async () => {
		const { items, test } = await runNode(standin, {
			operation: 'firstLastFrame',
			model: 'cogvideox-3',
			imageSource: 'url',
			firstFrameUrl: 'https://images.example.com/first.png',
			lastFrameUrl: 'https://images.example.com/last.png',
			options: { pollInterval: 0.05, download: false },
		});
		expect(standin.tasks.get(String(items[0].json.taskId))!.body.image_url).toEqual([
			'https://images.example.com/first.png',
			'https://images.example.com/last.png',
		]);
		expect(test.requests.some((request) => request.url.includes('images.example.com'))).toBe(false);
	});
});
