/**
 * The payloads public sources recorded from the real API (shared/API-EVIDENCE.md section 3, P1 to P12, and the
 * 1308 answer of issue 16), replayed through the node over real HTTP. Each answer is sent as recorded; only its
 * file links point at loopback hosts (same paths), since the recorded hosts are out of reach.
 */
import { createHash } from 'node:crypto';

import { binaryProperty } from '../helpers/executeContext';
import { png } from '../fixtures/images';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { coverJpeg, coverPng, videoChunks } from '../standin/video';
import { runError, runNode } from './run';

let standin: Standin;
beforeAll(async () => {
	standin = await startStandin({ generationMs: 150 });
});
afterAll(async () => standin.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const VIDEO = Buffer.concat([...videoChunks('recorded', 200 * 1024)]);
const JPEG_COVER = coverJpeg('recorded', 20 * 1024);
const PNG_COVER = coverPng('recorded', 30 * 1024);

/** A recorded answer's file links, served at their recorded paths on the stand-in's file and cover hosts. */
function files(video: string, cover: { path: string; bytes: Buffer; type: string }) {
	return {
		url: standin.publish('files', video, VIDEO, 'video/mp4'),
		cover_image_url: standin.publish('covers', cover.path, cover.bytes, cover.type),
	};
}

const creates = () => standin.apiRequests.filter((request) => request.method === 'POST' && request.path.endsWith('/videos/generations'));

describe('recorded creates and polls', () => {
	it('P1 + P2 (BigModel, 2024): a create answer that re-names the model and carries its own request_id, a poll answer with id null and a png cover', async () => {
		const taskId = '476916963227608958872449947398420086';
		standin.injectFault({ on: 'create', status: 200, body: { id: taskId, model: 'cogvideox', task_status: 'PROCESSING', request_id: '8872449947398420082' } });
		const links = files('/testpath/video/4dfa8af3-235b-5815-b329-04a66d4f996c_0.mp4', {
			path: '/testpath/video_cover/4dfa8af3-235b-5815-b329-04a66d4f996c_cover_0.png',
			bytes: PNG_COVER,
			type: 'image/png',
		});
		standin.injectFault({ on: 'poll', status: 200, body: { id: null, model: 'cogvideox', video_result: [links], task_status: 'SUCCESS', request_id: '8875454088044428333' } });
		const { items, test } = await runNode(standin, { model: 'cogvideox-2', options: { pollInterval: 0.05, downloadCover: true } });
		expect(items[0].json).toMatchObject({ taskId, requestId: '8872449947398420082', model: 'cogvideox-2', status: 'SUCCESS', videoUrl: links.url });
		expect(standin.apiRequests.at(-1)?.path).toBe(`/api/paas/v4/async-result/${taskId}`);
		expect(sha256(test.bytesOf(items[0].binary!.data))).toBe(sha256(VIDEO));
		expect(items[0].binary!.cover).toMatchObject({ fileName: `${taskId}.png`, mimeType: 'image/png' });
		expect(test.bytesOf(items[0].binary!.cover)).toEqual(PNG_COVER);
	});

	it('P3 (BigModel, 2024): a 25-digit task id is polled at /async-result/<id> as it is', async () => {
		const taskId = '1000088875824486025586417';
		standin.injectFault({ on: 'poll', status: 200, body: { model: 'cogvideox', request_id: '1', task_status: 'PROCESSING' } });
		const { items } = await runNode(standin, { operation: 'getResult', taskId, waitForCompletion: false });
		expect(items[0].json).toMatchObject({ taskId, status: 'PROCESSING' });
		expect(standin.apiRequests.at(-1)).toMatchObject({ method: 'GET', path: `/api/paas/v4/async-result/${taskId}` });
	});

	it('P4 + P5 (cogvideox-flash, BigModel, measured 2026-08): id equal to request_id, a poll answer with id, usage and the model re-cased, the cover on a third host', async () => {
		const taskId = '20260818102501423653886863409e';
		standin.injectFault({ on: 'create', status: 200, body: { id: taskId, model: 'cogvideox-flash', request_id: taskId, task_status: 'PROCESSING' } });
		const links = files('/api/cogvideo/xxx_0.mp4', { path: '/ucloud/watermark.png', bytes: PNG_COVER, type: 'image/png' });
		standin.injectFault({
			on: 'poll',
			status: 200,
			body: { id: taskId, task_status: 'SUCCESS', model: 'CogVideoX-Flash', usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, video_result: [links] },
		});
		const { items, test } = await runNode(standin, { model: 'cogvideox-flash', prompt: '一只小猫在月光下奔跑', options: { pollInterval: 0.05, downloadCover: true } });
		expect(items[0].json).toMatchObject({ taskId, requestId: taskId, model: 'cogvideox-flash', status: 'SUCCESS', coverImageUrl: links.cover_image_url });
		expect(Object.keys(creates().at(-1)!.body as object).sort()).toEqual(['model', 'prompt', 'request_id']);
		expect(sha256(test.bytesOf(items[0].binary!.data))).toBe(sha256(VIDEO));
		expect(items[0].binary!.data).toMatchObject({ fileName: `${taskId}.mp4`, mimeType: 'video/mp4' });
		expect(items[0].binary!.cover).toMatchObject({ mimeType: 'image/png' });
		expect(standin.fileAuthorizationHeaders).toEqual([]);
	});

	it('P6 (cogvideox-flash, 2025): Get Result of an answer with no id and a JPEG cover stores it as image/jpeg, and names the model as the node does', async () => {
		const taskId = '20250625182913f3eb016d10844e3a';
		const links = files('/api/cogvideo/3ce064a4-51af-11f0-8152-8e82dfcce76c_0.mp4', {
			path: '/api/cogvideo/3ce064a4-51af-11f0-8152-8e82dfcce76c_cover_0.jpeg',
			bytes: JPEG_COVER,
			// A host that does not say what it serves: the bytes do.
			type: 'application/octet-stream',
		});
		standin.injectFault({ on: 'poll', status: 200, body: { model: 'cogvideox-flash', request_id: taskId, task_status: 'SUCCESS', video_result: [{ cover_image_url: links.cover_image_url, url: links.url }] } });
		const { items, test } = await runNode(standin, { operation: 'getResult', taskId, waitForCompletion: false, options: { downloadCover: true } });
		expect(items[0].json).toMatchObject({ taskId, requestId: taskId, model: 'cogvideox-flash', status: 'SUCCESS' });
		expect(sha256(test.bytesOf(items[0].binary!.data))).toBe(sha256(VIDEO));
		expect(items[0].binary!.cover).toMatchObject({ fileName: `${taskId}.jpg`, mimeType: 'image/jpeg' });
		expect(test.bytesOf(items[0].binary!.cover)).toEqual(JPEG_COVER);
	});
});

describe('recorded refusals', () => {
	it.each([
		['P7 1305 overload (BigModel, 2026-08, HTTP 429)', { error: { code: '1305', message: '该模型当前访问量过大，请您稍后再试' } }],
		['P8 1302 (Z.ai, 2026-08, HTTP 429, no Retry-After)', { error: { code: '1302', message: 'Rate limit reached for requests' } }],
		['P9 1302 (BigModel wording, a top-level request_id)', { error: { code: '1302', message: '您的账户已达到速率限制，请您控制请求频率' }, request_id: '2026041314372115099c8b3a024339' }],
		['P9 1302 (older wording)', { error: { code: '1302', message: '您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。' } }],
	])('%s: waited out, the same request_id sent again, one task', async (_name, body) => {
		const before = creates().length;
		const tasksBefore = standin.tasks.size;
		standin.injectFault({ on: 'create', status: 429, body });
		const { items } = await runNode(standin, { options: { pollInterval: 0.05, download: false } });
		expect(items[0].json.status).toBe('SUCCESS');
		const sent = creates().slice(before).map((request) => (request.body as { request_id: string }).request_id);
		expect(sent).toHaveLength(2);
		expect(new Set(sent).size).toBe(1);
		expect(standin.tasks.size).toBe(tasksBefore + 1);
	});

	it.each([
		['P10 1113, BigModel', 429, { error: { code: '1113', message: '余额不足或无可用资源包,请充值。' }, request_id: 'req_test' }, /^The Zhipu AI account has no balance left: 余额不足或无可用资源包,请充值\. Top up the account, then run again \(HTTP 429, code 1113\)$/],
		['P10 1113, Z.ai', 429, { error: { code: '1113', message: 'Insufficient balance or no resource package. Please recharge.' } }, /^The Zhipu AI account has no balance left: Insufficient balance or no resource package\. Please recharge\. Top up/],
		['P10 1113, bracketed', 429, { error: { code: '1113', message: '[1113][余额不足或无可用资源包,请充值。]' } }, /^The Zhipu AI account has no balance left: \[1113\]\[余额不足或无可用资源包,请充值。\]\. Top up/],
		['P11 1214', 400, { error: { code: '1214', message: 'messages[5].content[1].type type error' } }, /^The API rejected a parameter: messages\[5\]\.content\[1\]\.type type error \(HTTP 400, code 1214\)$/],
		['P11 1210', 400, { error: { code: '1210', message: '视频输入格式/解析错误' } }, /^The API rejected a parameter: 视频输入格式\/解析错误 \(HTTP 400, code 1210\)$/],
		[
			'1308 usage cap (issue 16: sent with HTTP 429)',
			429,
			{ error: { code: '1308', message: '已达到 5 小时 的使用上限。您的限额将在 2026-12-02 15:00:00 重置。' } },
			/^The account has reached its usage cap: 已达到 5 小时 的使用上限。您的限额将在 2026-12-02 15:00:00 重置\. Run again after the reset time the API gives, or raise the cap in the platform console \(HTTP 429, code 1308\)$/,
		],
	])('%s: the item fails after one create, at once, in the API’s words', async (_name, status, body, message) => {
		const before = creates().length;
		standin.injectFault({ on: 'create', status, body });
		const started = Date.now();
		const error = await runError(standin, {});
		expect(Date.now() - started).toBeLessThan(5000);
		expect(error.message).toMatch(message);
		expect(creates().length - before).toBe(1);
	});
});

describe('P12: the documented request bodies are what the node sends', () => {
	const sentBody = (taskId: unknown) => {
		const { request_id: requestId, ...body } = standin.tasks.get(String(taskId))!.body;
		expect(requestId).toEqual(expect.any(String));
		return body;
	};

	it('cogvideox-3, first and last frame, with quality, audio, size and fps (BigModel’s example)', async () => {
		const { items } = await runNode(standin, {
			operation: 'firstLastFrame',
			prompt: '让画面动起来',
			imageSource: 'url',
			firstFrameUrl: 'https://cdn.bigmodel.cn/markdown/1752547801491cogvideo4.png',
			lastFrameUrl: 'https://cdn.bigmodel.cn/markdown/1752547813297cogvideo5.png',
			videoSettings: { quality: 'quality', withAudio: true, size: '1920x1080', fps: 30 },
			options: { pollInterval: 0.05, download: false },
		});
		expect(sentBody(items[0].json.taskId)).toEqual({
			model: 'cogvideox-3',
			image_url: ['https://cdn.bigmodel.cn/markdown/1752547801491cogvideo4.png', 'https://cdn.bigmodel.cn/markdown/1752547813297cogvideo5.png'],
			prompt: '让画面动起来',
			quality: 'quality',
			with_audio: true,
			size: '1920x1080',
			fps: 30,
		});
	});

	it('vidu2-reference with one image in a list, audio, movement and aspect ratio (the Java SDK’s example)', async () => {
		const reference = 'https://aigc-files.bigmodel.cn/api/cogview/20250723213827da171a419b9b4906_0.png';
		const { items } = await runNode(standin, {
			operation: 'referenceToVideo',
			model: 'vidu2-reference',
			prompt: 'An astronaut floating in space with Earth visible in the background, anime style',
			imageSource: 'url',
			referenceImages: { images: [{ url: reference }] },
			videoSettings: { duration: 4, size: '1280x720', withAudio: true, movementAmplitude: 'auto', aspectRatio: '16:9' },
			options: { pollInterval: 0.05, download: false },
		});
		expect(sentBody(items[0].json.taskId)).toEqual({
			model: 'vidu2-reference',
			prompt: 'An astronaut floating in space with Earth visible in the background, anime style',
			image_url: [reference],
			duration: 4,
			size: '1280x720',
			with_audio: true,
			movement_amplitude: 'auto',
			aspect_ratio: '16:9',
		});
	});

	it('viduq1-start-end with audio, 5 s at 1920x1080 (the Java SDK’s example); the images inline as data URLs', async () => {
		const image = png();
		const { items } = await runNode(
			standin,
			{ operation: 'firstLastFrame', model: 'viduq1-start-end', prompt: 'x', imageSource: 'binary', firstFrameBinaryProperty: 'first', lastFrameBinaryProperty: 'last', videoSettings: { withAudio: true, duration: 5, size: '1920x1080' }, options: { pollInterval: 0.05, download: false } },
			{ items: [{ json: {}, binary: { first: binaryProperty(image, 'image/png', 'a.png'), last: binaryProperty(image, 'image/png', 'b.png') } }] },
		);
		expect(sentBody(items[0].json.taskId)).toMatchObject({ model: 'viduq1-start-end', with_audio: true, duration: 5, size: '1920x1080' });
	});
});

describe('a task the API does not report on ends with its id, not in a wait to the timeout', () => {
	it('answers without a task_status: three in a row end the wait', async () => {
		for (let i = 0; i < 3; i++) standin.injectFault({ on: 'poll', status: 200, body: { model: 'cogvideox-3', request_id: 'r-000001' } });
		const started = Date.now();
		const error = await runError(standin, { options: { pollInterval: 0.05, timeout: 900 } });
		const task = [...standin.tasks.values()].at(-1)!;
		expect(Date.now() - started).toBeLessThan(5000);
		expect(error.message).toBe(
			`The API does not report on this task: 3 answers in a row carried no task status. Check the task ID, or run Get Result with it later [task ${task.id}]`,
		);
	});

	it('one glitch without a status is waited past', async () => {
		standin.injectFault({ on: 'poll', status: 200, body: {} });
		const { items } = await runNode(standin, { options: { pollInterval: 0.05, download: false } });
		expect(items[0].json.status).toBe('SUCCESS');
	});

	it('a 200 answer that says why, with no status, ends it at once in the API’s words', async () => {
		standin.injectFault({ on: 'poll', status: 200, body: { error: { code: '1214', message: '任务不存在' } } });
		const error = await runError(standin, { options: { pollInterval: 0.05 } });
		expect(error.message).toMatch(/^The API does not report on this task: it answered "任务不存在" with no task status\. Check the task ID, or run Get Result with it later \[task \w+\]$/);
	});

	it('Get Result of an unknown task id says so, with the id', async () => {
		const error = await runError(standin, { operation: 'getResult', taskId: 'no-such-task-0001', options: { pollInterval: 0.05 } });
		expect(error.message).toBe(
			'The API does not report on this task: it answered HTTP 404: Task not found (code 1214). Check the task ID, or run Get Result with it later [task no-such-task-0001]',
		);
	});
});

describe('the cover is stored as what the host served', () => {
	it.each([
		['PNG bytes under a Content-Type that says JPEG: the bytes win', { coverFormat: 'png' as const, coverContentType: 'image/jpeg' }, 'png', 'image/png'],
		['JPEG bytes with no useful Content-Type', { coverFormat: 'jpeg' as const, coverContentType: 'binary/octet-stream' }, 'jpg', 'image/jpeg'],
	])('%s', async (_name, options, extension, mimeType) => {
		const host = await startStandin({ generationMs: 100, ...options });
		try {
			const { items, test } = await runNode(host, { options: { pollInterval: 0.05, downloadCover: true } });
			const taskId = String(items[0].json.taskId);
			expect(items[0].binary!.cover).toMatchObject({ fileName: `${taskId}.${extension}`, mimeType });
			expect(test.bytesOf(items[0].binary!.cover)).toEqual(host.coverBytesFor(taskId));
		} finally {
			await host.close();
		}
	});
});
