// Tests of the Zhipu API stand-in itself, so the node's tests can trust it.
import { createHash, createHmac } from 'node:crypto';
import { imageSize } from 'image-size';

import { fixture, jpeg, png } from './fixtures/images';
import { startStandin, type Standin } from './standin/server';
import { validateCreateBody } from './standin/validate';
import { videoChunks } from './standin/video';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PNG_B64 = png().toString('base64');
const WEBP_B64 = Buffer.from('RIFF\x10\0\0\0WEBPVP8 ', 'latin1').toString('base64');

let s: Standin;

beforeEach(async () => {
	s = await startStandin({ generationMs: 150 });
});
afterEach(async () => {
	await s.close();
});

function auth(key = s.apiKey): Record<string, string> {
	return { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
}

/** The fields of the API's JSON answers that these tests read; a missing one fails the assertion that reads it. */
interface Answer {
	id: string;
	model: string;
	request_id: string;
	task_status: string;
	video_result: Array<{ url: string; cover_image_url: string }>;
	error: { code: string; message: string };
}

/** The top-level boxes of an mp4: type and where each ends (a size of 1 means a 64-bit size follows). */
function mp4Boxes(bytes: Buffer): Array<{ type: string; end: number }> {
	const boxes: Array<{ type: string; end: number }> = [];
	for (let at = 0; at < bytes.length; at = boxes.at(-1)!.end) {
		const size32 = bytes.readUInt32BE(at);
		const size = size32 === 1 ? Number(bytes.readBigUInt64BE(at + 8)) : size32;
		if (size < 8) throw new Error(`box at ${at} has size ${size}`);
		boxes.push({ type: bytes.toString('latin1', at + 4, at + 8), end: at + size });
	}
	return boxes;
}

async function create(body: unknown, headers = auth()): Promise<{ status: number; json: Answer }> {
	const res = await fetch(`${s.apiUrl}/videos/generations`, { method: 'POST', headers, body: JSON.stringify(body) });
	return { status: res.status, json: (await res.json()) as Answer };
}

async function poll(id: string, headers = auth()): Promise<{ status: number; json: Answer }> {
	const res = await fetch(`${s.apiUrl}/async-result/${id}`, { headers });
	return { status: res.status, json: (await res.json()) as Answer };
}

async function pollUntilDone(id: string): Promise<Answer> {
	for (;;) {
		const { json } = await poll(id);
		if (json.task_status !== 'PROCESSING') return json;
		await sleep(25);
	}
}

describe('auth', () => {
	it('rejects a missing or wrong key with 401 and code 1001', async () => {
		const missing = await create({ model: 'cogvideox-3', prompt: 'x' }, { 'Content-Type': 'application/json' });
		expect(missing).toMatchObject({ status: 401, json: { error: { code: '1001' } } });
		const wrong = await create({ model: 'cogvideox-3', prompt: 'x' }, auth('other.key'));
		expect(wrong.status).toBe(401);
		expect((await poll('whatever', auth('other.key'))).status).toBe(401);
		expect(s.tasks.size).toBe(0);
		expect(s.createCalls()).toBe(2);
	});

	it('also accepts a Zhipu-style JWT signed with the key secret', async () => {
		const [id, secret] = s.apiKey.split('.');
		const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
		const unsigned = `${b64url({ alg: 'HS256', sign_type: 'SIGN' })}.${b64url({ api_key: id, exp: Date.now() + 60_000, timestamp: Date.now() })}`;
		const jwt = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
		expect((await create({ model: 'cogvideox-3', prompt: 'x' }, auth(jwt))).status).toBe(200);
		expect((await create({ model: 'cogvideox-3', prompt: 'x' }, auth(`${jwt.slice(0, -2)}xx`))).status).toBe(401);
	});
});

describe('create, poll, download', () => {
	it('goes PROCESSING -> SUCCESS after generationMs and serves byte-exact files', async () => {
		const created = await create({ model: 'cogvideox-3', prompt: 'A cat', size: '1920x1080', fps: 30 });
		expect(created.status).toBe(200);
		const { id, request_id, task_status } = created.json;
		expect(task_status).toBe('PROCESSING');
		// As recorded: a timestamp to the second and 16 hex digits; without a request_id of the client's, the id.
		expect(id).toMatch(/^\d{14}[0-9a-f]{16}$/);
		expect(request_id).toBe(id);
		expect(created.json.model).toBe('cogvideox-3');

		const first = await poll(id);
		expect(first.json).toEqual({ id, model: 'CogVideoX-3', request_id, task_status: 'PROCESSING' });
		const done = await pollUntilDone(id);
		const task = s.tasks.get(id)!;
		expect(Date.now()).toBeGreaterThanOrEqual(task.createdAt + 150);
		expect(done).toEqual({
			id,
			model: 'CogVideoX-3',
			request_id,
			task_status: 'SUCCESS',
			usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
			video_result: [{ url: `${s.filesOrigin}/video/${id}.mp4`, cover_image_url: task.coverUrl }],
		});
		// The cover sits on a third host, as a JPEG with a signed-URL query.
		expect(task.coverUrl).toMatch(new RegExp(`^${s.coverOrigin}/[0-9a-f-]{36}_cover_0\\.jpeg\\?Expires=\\d+&Signature=`));
		expect(task.status).toBe('SUCCESS');
		expect(task.polls).toBeGreaterThanOrEqual(2);
		expect(task.firstPollAfterDoneAt).toBeDefined();
		expect(task.body).toEqual({ model: 'cogvideox-3', prompt: 'A cat', size: '1920x1080', fps: 30 });

		const video = await fetch(done.video_result[0].url);
		expect(video.status).toBe(200);
		expect(video.headers.get('content-type')).toBe('video/mp4');
		const bytes = Buffer.from(await video.arrayBuffer());
		expect(bytes.length).toBe(64 * 1024);
		expect(Number(video.headers.get('content-length'))).toBe(bytes.length);
		expect(sha256(bytes)).toBe(task.videoSha256);
		expect(bytes.equals(s.videoBytesFor(id))).toBe(true);
		// A playable mp4 (moov before mdat, so a browser plays it while it loads), then a free box to the end of the file.
		const boxes = mp4Boxes(bytes);
		expect(boxes.map((box) => box.type)).toEqual(['ftyp', 'moov', 'free', 'mdat', 'free']); // ffmpeg's own free box, then ours
		expect(boxes.at(-1)!.end).toBe(bytes.length);
		expect(task.firstDownloadAt).toBeGreaterThanOrEqual(task.firstPollAfterDoneAt!);

		const cover = await fetch(done.video_result[0].cover_image_url);
		const jpg = Buffer.from(await cover.arrayBuffer());
		expect(cover.headers.get('content-type')).toBe('image/jpeg');
		expect(jpg.length).toBe(32 * 1024);
		// A frame of the clip, 640x360, read by another decoder than the node's.
		expect(imageSize(jpg)).toMatchObject({ type: 'jpg', width: 640, height: 360 });
		expect(sha256(jpg)).toBe(task.coverSha256);
		expect(jpg.equals(s.coverBytesFor(id))).toBe(true);
		expect(s.fileAuthorizationHeaders).toEqual([]);
	});

	it('makes the video deterministic per task id and different between tasks', async () => {
		const a = (await create({ model: 'cogvideox-flash', prompt: 'a' })).json.id;
		const b = (await create({ model: 'cogvideox-flash', prompt: 'b' })).json.id;
		expect(s.videoBytesFor(a).equals(s.videoBytesFor(a))).toBe(true);
		expect(s.tasks.get(a)!.videoSha256).not.toBe(s.tasks.get(b)!.videoSha256);
	});

	it('streams a 50 MB video whose hash matches', async () => {
		await s.close();
		s = await startStandin({ generationMs: 0, videoBytes: 50 * 1024 * 1024 });
		const { id } = (await create({ model: 'vidu2-image', image_url: 'https://example.com/a.png' })).json;
		const done = await pollUntilDone(id);
		const res = await fetch(done.video_result[0].url);
		const hash = createHash('sha256');
		for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
		expect(hash.digest('hex')).toBe(s.tasks.get(id)!.videoSha256);
	});

	it('pads a video past 4 GiB with a 64-bit free box, generated lazily', () => {
		const size = 5 * 1024 ** 3;
		const [clip, header] = videoChunks('big', size);
		expect(header.readUInt32BE(0)).toBe(1);
		expect(header.toString('latin1', 4, 8)).toBe('free');
		expect(Number(header.readBigUInt64BE(8))).toBe(size - clip.length);
	});

	it('serves the sandbox sample images on the file host, and nothing else under /samples/', async () => {
		const jpeg = await fetch(`${s.filesOrigin}/samples/scene.jpg`);
		expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
		expect(Buffer.from(await jpeg.arrayBuffer()).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
		const png = await fetch(`${s.filesOrigin}/samples/first-frame.png`);
		expect(png.headers.get('content-type')).toBe('image/png');
		expect((await fetch(`${s.filesOrigin}/samples/clip.mp4`)).status).toBe(404);
		expect((await fetch(`${s.filesOrigin}/samples/..%2Fvideo.ts`)).status).toBe(404);
	});

	it('answers 404 for an unknown task and for a video that is not ready', async () => {
		expect(await poll('nope')).toMatchObject({ status: 404, json: { error: { code: '1214', message: '任务不存在' } } });
		const { id } = (await create({ model: 'cogvideox-3', prompt: 'x' })).json;
		expect((await fetch(`${s.filesOrigin}/video/${id}.mp4`)).status).toBe(404);
	});
});

describe('file host', () => {
	it('records and refuses an Authorization header', async () => {
		s.setGenerationMs(0);
		const { id } = (await create({ model: 'cogvideox-3', prompt: 'x' })).json;
		await pollUntilDone(id);
		const res = await fetch(`${s.filesOrigin}/video/${id}.mp4`, { headers: { Authorization: `Bearer ${s.apiKey}` } });
		expect(res.status).toBe(401);
		expect(s.fileAuthorizationHeaders).toEqual([`Bearer ${s.apiKey}`]);
		expect(s.fileRequests).toHaveLength(1);
		expect(s.fileRequests[0]).toMatchObject({ method: 'GET', path: `/video/${id}.mp4` });
	});
});

describe('validation', () => {
	const big = (bytes: number) => Buffer.alloc(bytes).toString('base64');
	const img = `data:image/png;base64,${PNG_B64}`;
	const inline = (name: string) => `data:image/${name.endsWith('.jpg') ? 'jpeg' : name.split('.').pop()};base64,${fixture(name).toString('base64')}`;
	const rejected: Array<[string, Record<string, unknown>, string, RegExp]> = [
		['unknown model', { model: 'cogvideox-9', prompt: 'x' }, '1211', /^模型不存在，请检查模型代码。$/],
		['duration on cogvideox-2 (its current schema has none)', { model: 'cogvideox-2', prompt: 'x', duration: 10 }, '1214', /duration/],
		['watermark_enabled on a Vidu model (the Vidu schemas have none)', { model: 'viduq1-text', prompt: 'x', watermark_enabled: false }, '1214', /watermark_enabled/],
		['with_audio on viduq1-image on BigModel (4-second videos only)', { model: 'viduq1-image', image_url: img, with_audio: true }, '1214', /with_audio/],
		['a request_id under 6 characters', { model: 'cogvideox-3', prompt: 'x', request_id: 'r-1' }, '1214', /request_id/],
		['a request_id over 64 characters', { model: 'cogvideox-3', prompt: 'x', request_id: 'r'.repeat(65) }, '1214', /request_id/],
		['prompt over 512 chars', { model: 'cogvideox-3', prompt: 'x'.repeat(513) }, '1261', /prompt/],
		['no prompt and no image', { model: 'cogvideox-3', prompt: '' }, '1214', /prompt/],
		['cogvideox-flash with fps', { model: 'cogvideox-flash', prompt: 'x', fps: 30 }, '1214', /fps/],
		['cogvideox-flash with watermark_enabled', { model: 'cogvideox-flash', prompt: 'x', watermark_enabled: false }, '1214', /watermark_enabled/],
		['vidu2-reference with 4 images', { model: 'vidu2-reference', prompt: 'x', image_url: [img, img, img, img] }, '1214', /image_url/],
		['viduq1-text with an image', { model: 'viduq1-text', prompt: 'x', image_url: img }, '1214', /image_url/],
		['quality on a Vidu model', { model: 'viduq1-image', image_url: img, quality: 'speed' }, '1214', /quality/],
		['style on viduq1-image', { model: 'viduq1-image', image_url: img, style: 'anime' }, '1214', /style/],
		['aspect_ratio on vidu2-image', { model: 'vidu2-image', image_url: img, aspect_ratio: '16:9' }, '1214', /aspect_ratio/],
		['movement_amplitude on cogvideox-3', { model: 'cogvideox-3', prompt: 'x', movement_amplitude: 'auto' }, '1214', /movement_amplitude/],
		['with_audio on viduq1-text', { model: 'viduq1-text', prompt: 'x', with_audio: true }, '1214', /with_audio/],
		['size not in the list', { model: 'cogvideox-3', prompt: 'x', size: '720x480' }, '1214', /size/],
		['duration not in the list', { model: 'vidu2-image', image_url: img, duration: 5 }, '1214', /duration/],
		['fps as a string', { model: 'cogvideox-3', prompt: 'x', fps: '30' }, '1214', /fps/],
		['unknown top-level field', { model: 'cogvideox-3', prompt: 'x', resolution: '4k' }, '1214', /resolution/],
		['raw base64 on Vidu', { model: 'vidu2-image', image_url: PNG_B64 }, '1214', /image_url/],
		['webp on CogVideoX', { model: 'cogvideox-3', image_url: `data:image/webp;base64,${WEBP_B64}` }, '1214', /webp/],
		['sniffed webp on CogVideoX', { model: 'cogvideox-3', image_url: WEBP_B64 }, '1214', /webp/],
		['image over 5 MB on CogVideoX', { model: 'cogvideox-3', image_url: `data:image/png;base64,${big(5 * 1024 * 1024 + 1)}` }, '1214', /image_url/],
		['a non-http URL', { model: 'cogvideox-3', image_url: 'ftp://example.com/a.png' }, '1214', /image_url/],
		['one frame on a start-end model', { model: 'viduq1-start-end', image_url: [img] }, '1214', /image_url/],
		['user_id too short', { model: 'cogvideox-3', prompt: 'x', user_id: 'abc' }, '1214', /user_id/],
		['a 1:8 image on Vidu', { model: 'vidu2-image', image_url: inline('rule-130x1040.jpg') }, '1214', /^image_url\[0\]: the image is 130x1040; its aspect ratio must be between 1:4 and 4:1$/],
		['a 64x64 image on vidu2-image', { model: 'vidu2-image', image_url: inline('rule-64x64.png') }, '1214', /^image_url\[0\]: the image is 64x64, smaller than 128x128$/],
		['a 64x64 reference image', { model: 'vidu2-reference', prompt: 'x', image_url: [img, inline('rule-64x64.png')] }, '1214', /^image_url\[1\]: the image is 64x64, smaller than 128x128$/],
		['start-end frames of 16:9 and 9:16', { model: 'vidu2-start-end', image_url: [inline('rule-1280x720.jpg'), inline('rule-720x1280.webp')] }, '1214', /^image_url: the first frame is 1280x720 and the last 720x1280; their aspect ratios must be within 0\.8 to 1\.25 of each other$/],
		['bytes that are no image on Vidu', { model: 'viduq1-image', image_url: `data:image/png;base64,${PNG_B64.slice(0, 8)}` }, '1214', /^image_url\[0\]: the image cannot be decoded/],
	];
	it.each(rejected)('rejects %s', async (_name, body, code, message) => {
		const { status, json } = await create(body);
		expect(status).toBe(400);
		expect(json.error.code).toBe(code);
		expect(json.error.message).toMatch(message);
	});

	const accepted: Array<[string, Record<string, unknown>]> = [
		['cogvideox-3 with two frames and quality', { model: 'cogvideox-3', prompt: 'x', image_url: [img, 'https://e.com/b.jpg'], quality: 'quality', with_audio: true, fps: 60, duration: 10, size: '3840x2160' }],
		['cogvideox-2 with size, user_id and watermark_enabled', { model: 'cogvideox-2', prompt: 'x', size: '720x480', user_id: 'user-123', watermark_enabled: false }],
		['cogvideox-flash with raw base64', { model: 'cogvideox-flash', image_url: PNG_B64, request_id: 'r-flash' }],
		['vidu2-start-end at 480x360', { model: 'vidu2-start-end', image_url: [img, img], size: '480x360', duration: 4, movement_amplitude: 'small', with_audio: true }],
		['vidu2-reference with 3 images and aspect_ratio', { model: 'vidu2-reference', prompt: 'x', image_url: [img, img, img], aspect_ratio: '9:16' }],
		['viduq1-text with style', { model: 'viduq1-text', prompt: 'x', style: 'anime', aspect_ratio: '1:1', size: '1920x1080', duration: 5 }],
		['start-end frames of 1280x720 and 256x144 (both 16:9)', { model: 'viduq1-start-end', image_url: [inline('rule-1280x720.jpg'), inline('rule-256x144.webp')] }],
		['a 1:8 image and mismatched frames on CogVideoX (no pixel rules)', { model: 'cogvideox-3', image_url: [inline('rule-130x1040.jpg'), inline('rule-1280x720.jpg')] }],
		['a 9:16 last frame given as an http URL (not fetched, not checked)', { model: 'vidu2-start-end', image_url: [inline('rule-1280x720.jpg'), 'https://e.com/portrait.png'] }],
	];
	it.each(accepted)('accepts %s', async (_name, body) => {
		const { status, json } = await create(body);
		expect(status).toBe(200);
		expect(s.tasks.get(json.id)!.body).toEqual(body);
	});

	it('accepts a 12 MB image on Vidu over HTTP (over the CogVideoX limit)', async () => {
		const { status } = await create({ model: 'vidu2-image', image_url: `data:image/jpeg;base64,${jpeg(12 * 1024 * 1024).toString('base64')}` });
		expect(status).toBe(200);
	});

	// Checked without HTTP: a 67 MB JSON round trip would cost seconds.
	it('limits Vidu images to 50 MiB decoded', () => {
		const b64 = png(50 * 1024 * 1024).toString('base64');
		const body = (data: string) => ({ model: 'vidu2-image', image_url: `data:image/png;base64,${data}` });
		expect(validateCreateBody(body(b64))).toBeUndefined();
		expect(validateCreateBody(body(`${b64}AAAA`))).toMatchObject({ status: 400, code: '1214' });
	});
});

describe('keepImageData: false', () => {
	it('validates the whole image, then keeps only its first bytes and length in the request log and the task', async () => {
		const lean = await startStandin({ generationMs: 150, keepImageData: false });
		try {
			const image = `data:image/png;base64,${PNG_B64}`;
			const res = await fetch(`${lean.apiUrl}/videos/generations`, { method: 'POST', headers: auth(), body: JSON.stringify({ model: 'cogvideox-3', image_url: image }) });
			expect(res.status).toBe(200);
			const [task] = [...lean.tasks.values()];
			const kept = `data:image/png;base64,${PNG_B64.slice(0, 8)}…(${image.length} chars)`;
			expect(task.body.image_url).toBe(kept);
			expect((lean.apiRequests[0].body as { image_url: string }).image_url).toBe(kept);
		} finally {
			await lean.close();
		}
	});
});

describe('request_id idempotency', () => {
	it('by default answers a repeated request_id with 1231, and finds a task by its id only', async () => {
		const body = { model: 'cogvideox-3', prompt: 'x', request_id: 'my-req-1' };
		const a = await create(body);
		expect(a).toMatchObject({ status: 200, json: { request_id: 'my-req-1' } });
		expect(await create(body)).toMatchObject({ status: 400, json: { error: { code: '1231' } } });
		expect(s.tasks.size).toBe(1);
		expect(s.createCalls()).toBe(2);
		expect((await poll(a.json.id)).status).toBe(200);
		expect(await poll('my-req-1')).toMatchObject({ status: 404, json: { error: { code: '1214' } } });
	});

	it('the other readings as options: the existing task for a repeated request_id, and a lookup by request_id', async () => {
		const other = await startStandin({ generationMs: 150, duplicateRequest: 'existingTask', findByRequestId: true });
		try {
			const body = { model: 'cogvideox-3', prompt: 'x', request_id: 'my-req-2' };
			const send = async () => (await fetch(`${other.apiUrl}/videos/generations`, { method: 'POST', headers: auth(), body: JSON.stringify(body) })).json();
			const a = await send();
			expect(await send()).toEqual(a);
			expect(other.tasks.size).toBe(1);
			const byRequestId = await fetch(`${other.apiUrl}/async-result/my-req-2`, { headers: auth() });
			expect(await byRequestId.json()).toMatchObject({ request_id: 'my-req-2', task_status: 'PROCESSING' });
		} finally {
			await other.close();
		}
	});
});

describe('faults', () => {
	it('create: error JSON once, then normal service', async () => {
		s.injectFault({ on: 'create', status: 429, code: '1302', message: 'concurrency limit' });
		const body = { model: 'cogvideox-3', prompt: 'x', request_id: 'retry-me' };
		expect(await create(body)).toEqual({ status: 429, json: { error: { code: '1302', message: 'concurrency limit' } } });
		expect(s.tasks.size).toBe(0);
		expect((await create(body)).status).toBe(200);
		expect(s.createCalls()).toBe(2);
	});

	it('create: HTML gateway page', async () => {
		s.injectFault({ on: 'create', status: 503, html: true });
		const res = await fetch(`${s.apiUrl}/videos/generations`, { method: 'POST', headers: auth(), body: '{"model":"cogvideox-3","prompt":"x"}' });
		expect(res.status).toBe(503);
		expect(res.headers.get('content-type')).toBe('text/html');
		expect(await res.text()).toMatch(/<html>[\s\S]*502 Bad Gateway/);
	});

	it('poll: faults are consumed in order, one per poll', async () => {
		const { id } = (await create({ model: 'cogvideox-3', prompt: 'x' })).json;
		s.injectFault({ on: 'poll', status: 500 });
		s.injectFault({ on: 'poll', status: 503, html: true });
		expect(await poll(id)).toMatchObject({ status: 500, json: { error: { code: '500' } } });
		const html = await fetch(`${s.apiUrl}/async-result/${id}`, { headers: auth() });
		expect(html.status).toBe(503);
		expect(await html.text()).toMatch(/Bad Gateway/);
		expect((await poll(id)).status).toBe(200);
		expect(s.tasks.get(id)!.polls).toBe(3);
	});

	it('taskFail: the next created task ends in FAIL', async () => {
		s.injectFault({ on: 'taskFail', reason: 'content refused' });
		const { id } = (await create({ model: 'cogvideox-3', prompt: 'x' })).json;
		const second = (await create({ model: 'cogvideox-3', prompt: 'y' })).json.id;
		const done = await pollUntilDone(id);
		expect(done).toEqual({ id, model: 'CogVideoX-3', request_id: expect.any(String), task_status: 'FAIL', error: { message: 'content refused' } });
		expect(s.tasks.get(id)!.status).toBe('FAIL');
		expect((await pollUntilDone(second)).task_status).toBe('SUCCESS');
	});

	it('taskFail with a prompt: only the next task whose prompt contains it ends in FAIL, once', async () => {
		s.setGenerationMs(0);
		s.injectFault({ on: 'taskFail', prompt: 'third', reason: 'refused' });
		const first = (await create({ model: 'cogvideox-3', prompt: 'the first scene' })).json.id;
		const third = (await create({ model: 'cogvideox-3', prompt: 'the third scene' })).json.id;
		const again = (await create({ model: 'cogvideox-3', prompt: 'the third scene' })).json.id;
		expect([first, third, again].map((id) => s.tasks.get(id)!.status)).toEqual(['SUCCESS', 'FAIL', 'SUCCESS']);
	});

	it('download: the next video GET answers the fault status', async () => {
		s.setGenerationMs(0);
		const { id } = (await create({ model: 'cogvideox-3', prompt: 'x' })).json;
		const url = (await pollUntilDone(id)).video_result[0].url;
		s.injectFault({ on: 'download', status: 403 });
		expect((await fetch(url)).status).toBe(403);
		const ok = await fetch(url);
		expect(ok.status).toBe(200);
		expect(sha256(Buffer.from(await ok.arrayBuffer()))).toBe(s.tasks.get(id)!.videoSha256);
	});
});

describe('plannedFault: one fault per task, chosen from its create body (a soak fault matrix)', () => {
	let planned: Standin;
	beforeEach(async () => {
		const kinds = ['overload', 'pollError', 'downloadReset', 'fail', 'expired'] as const;
		planned = await startStandin({ generationMs: 0, plannedFault: (body) => kinds.find((kind) => String(body.prompt).startsWith(kind)) });
	});
	afterEach(async () => {
		await planned.close();
	});

	const post = async (prompt: string, requestId: string) =>
		await fetch(`${planned.apiUrl}/videos/generations`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${planned.apiKey}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ model: 'cogvideox-3', prompt, request_id: requestId }),
		});
	const read = async (id: string) => await fetch(`${planned.apiUrl}/async-result/${id}`, { headers: { Authorization: `Bearer ${planned.apiKey}` } });

	it('overload: the first create gets 1305, the same request_id then makes the task', async () => {
		const refused = await post('overload me', 'r-overload');
		expect(refused.status).toBe(429); // as recorded (API-EVIDENCE.md P7)
		expect(await refused.json()).toMatchObject({ error: { code: '1305' } });
		expect(planned.tasks.size).toBe(0);
		expect((await post('overload me', 'r-overload')).status).toBe(200);
		expect(planned.tasks.size).toBe(1);
	});

	it('pollError and downloadReset happen once; fail ends the task in FAIL; expired answers 403 every time', async () => {
		const ids: Record<string, string> = {};
		for (const kind of ['pollError', 'downloadReset', 'fail', 'expired']) ids[kind] = ((await (await post(`${kind} scene`, `r-${kind}`)).json()) as Answer).id;
		expect((await read(ids.pollError)).status).toBe(500);
		expect((await read(ids.pollError)).status).toBe(200);
		expect(((await (await read(ids.fail)).json()) as Answer).task_status).toBe('FAIL');
		const urlOf = async (id: string) => ((await (await read(id)).json()) as Answer).video_result[0].url;
		const resetUrl = await urlOf(ids.downloadReset);
		await expect(fetch(resetUrl)).rejects.toThrow();
		expect((await fetch(resetUrl)).status).toBe(200);
		const expiredUrl = await urlOf(ids.expired);
		expect((await fetch(expiredUrl)).status).toBe(403);
		expect((await fetch(expiredUrl)).status).toBe(403);
	});
});

describe('platforms and languages', () => {
	let zai: Standin;
	beforeAll(async () => {
		zai = await startStandin({ platform: 'international' });
	});
	afterAll(async () => zai.close());

	const createOn = async (standin: Standin, body: unknown, language?: string) => {
		const headers: Record<string, string> = { ...auth(standin.apiKey), ...(language ? { 'Accept-Language': language } : {}) };
		const res = await fetch(`${standin.apiUrl}/videos/generations`, { method: 'POST', headers, body: JSON.stringify(body) });
		return { status: res.status, json: (await res.json()) as Answer };
	};

	it('follows Z.ai’s docs on International: no cogvideox-2 or flash (1214, as measured), no 480x360, music on viduq1-image', async () => {
		expect(await createOn(zai, { model: 'cogvideox-flash', prompt: 'x' }, 'en-US,en')).toMatchObject({ status: 400, json: { error: { code: '1214', message: 'Unknown Model, please check the model code.' } } });
		expect((await createOn(zai, { model: 'vidu2-start-end', image_url: ['https://e.com/a.png', 'https://e.com/b.png'], size: '480x360' })).status).toBe(400);
		expect((await createOn(zai, { model: 'viduq1-image', image_url: 'https://e.com/a.png', with_audio: true })).status).toBe(200);
		expect((await createOn(zai, { model: 'cogvideox-3', prompt: 'x' })).status).toBe(200);
	});

	it('answers in Chinese by default and in English where the request asks for it', async () => {
		s.injectFault({ on: 'create', status: 429, code: '1302', text: 'rateLimit' });
		expect((await createOn(s, { model: 'cogvideox-3', prompt: 'x' })).json.error).toEqual({ code: '1302', message: '您的账户已达到速率限制，请您控制请求频率' });
		s.injectFault({ on: 'create', status: 429, code: '1302', text: 'rateLimit' });
		expect((await createOn(s, { model: 'cogvideox-3', prompt: 'x' }, 'en-US,en')).json.error).toEqual({ code: '1302', message: 'Rate limit reached for requests' });
	});

	it('serves the credential Test’s calls: the file list needs `purpose`, the tokenizer a model of the platform and messages', async () => {
		const creates = s.createCalls() + zai.createCalls();
		const list = (query: string, key = s.apiKey) => fetch(`${s.apiUrl}/files${query}`, { headers: { Authorization: `Bearer ${key}` } });
		expect((await list('?purpose=batch&limit=1')).status).toBe(200);
		expect((await list('?limit=1')).status).toBe(400);
		expect((await list('?purpose=batch&limit=101')).status).toBe(400);
		expect((await list('?purpose=batch&limit=1', 'wrong.key')).status).toBe(401);
		const tokenize = (body: unknown) => fetch(`${zai.apiUrl}/tokenizer`, { method: 'POST', headers: auth(zai.apiKey), body: JSON.stringify(body) });
		expect((await tokenize({ model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
		expect((await tokenize({ model: 'glm-4-flash', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(400);
		expect((await tokenize({ model: 'glm-4.6', messages: [] })).status).toBe(400);
		expect(s.keyChecks() + zai.keyChecks()).toBe(7);
		expect(s.createCalls() + zai.createCalls()).toBe(creates);
	});
});
