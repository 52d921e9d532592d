/**
 * `npm run check:live` (scripts/check-live.ts) against the stand-in: every assumption holds there, and a stand-in set
 * to answer like an API unlike our reading makes the check name each difference. The same code runs against the
 * real API with a key.
 */
import type { CheckResult, CheckTarget } from '../../scripts/check-live';
import { runChecks } from '../../scripts/check-live';
import type { Quirk, StandinOptions } from '../standin/server';
import { startStandin } from '../standin/server';

async function check(options: StandinOptions, target: Partial<CheckTarget> = {}): Promise<CheckResult[]> {
	const standin = await startStandin({ generationMs: 300, ...options });
	try {
		return await runChecks({
			baseUrl: standin.apiUrl,
			apiKey: standin.apiKey,
			platform: options.platform ?? 'china',
			videoModel: 'cogvideox-flash',
			pollMs: 100,
			timeoutMs: 20_000,
			...target,
		});
	} finally {
		await standin.close();
	}
}

const verdicts = (results: CheckResult[]) => Object.fromEntries(results.map((result) => [result.id, result.verdict]));

const ALL = ['key-check', 'key-check-wrong-key', 'unknown-model', 'error-shape', 'unknown-task', 'create-answer', 'repeated-request-id', 'poll-answer', 'video-file', 'cover-file'];

describe('check:live against the stand-in', () => {
	it('finds every assumption holding on the China platform, with one free video', async () => {
		const results = await check({});
		expect(results.map((result) => result.id)).toEqual(ALL);
		expect(results.filter((result) => result.verdict !== 'holds')).toEqual([]);
	});

	it('on International: Z.ai’s tokenizer for the Test, cogvideox-flash refused, and no video unless a model is paid for', async () => {
		const results = await check({ platform: 'international' });
		expect(verdicts(results)).toMatchObject({ 'key-check': 'holds', 'key-check-wrong-key': 'holds', 'unknown-model': 'holds', 'free-model-on-zai': 'holds', 'poll-answer': 'skipped' });
		expect(results.find((result) => result.id === 'key-check')?.assumption).toContain('POST /tokenizer');
		const paid = await check({ platform: 'international' }, { videoModel: 'cogvideox-3' });
		expect(paid.filter((result) => result.verdict !== 'holds')).toEqual([]);
	});

	it.each([
		['noTaskStatus', ['poll-answer']],
		['filesNeedNoKey', ['key-check-wrong-key']],
		['noFilesRoute', ['key-check', 'key-check-wrong-key']],
		['duplicateMakesTask', ['repeated-request-id']],
		['unknownModelAccepted', ['unknown-model', 'error-shape']],
		['unknownTaskRunning', ['unknown-task']],
		['filesOnApiHost', ['video-file', 'cover-file']],
		['otherRequestId', ['create-answer', 'poll-answer']],
	] as Array<[Quirk, string[]]>)('names the difference of an API that is unlike ours: %s', async (quirk, differing) => {
		const results = await check({ unlike: { [quirk]: true } });
		const differs = results.filter((result) => result.verdict === 'differs');
		expect(differs.map((result) => result.id)).toEqual(differing);
		for (const result of differs) expect(result.got).toBeDefined();
	});

	it('never reports the key', async () => {
		const results = await check({ apiKey: 'n8n-test-id.a-secret-that-must-not-leak', unlike: { filesNeedNoKey: true } });
		expect(JSON.stringify(results)).not.toContain('a-secret-that-must-not-leak');
	});
});
