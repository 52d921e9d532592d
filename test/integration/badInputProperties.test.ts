/**
 * Property-based bad input: invalid parameter combinations generated from the per-model table. Each must be
 * refused with a one-line error that names its field, no create call is made for it, and the run's other items
 * still complete.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import type { ModelSpec, Operation, SettingName } from '../../nodes/CogVideoX/models';
import { IMAGE_COUNT, MODELS, PROMPT_MAX_LENGTH, SETTING_NAMES, SETTINGS, settingsOf } from '../../nodes/CogVideoX/models';
import { settingsToBody } from '../../nodes/CogVideoX/item/request';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { runNode } from './run';

interface Invalid {
	model: ModelSpec;
	operation: Operation;
	parameters: IDataObject;
	/** What the error must name. */
	field: string;
}

const modelAndOperation = fc.constantFrom(...MODELS).chain((model) => fc.constantFrom(...model.operations).map((operation) => ({ model, operation })));

/** A setting the model does not take at all. */
const unacceptedSetting = modelAndOperation
	.filter(({ model }) => SETTING_NAMES.some((name) => settingsOf(model)[name] === undefined))
	.chain(({ model, operation }) =>
		fc.constantFrom(...SETTING_NAMES.filter((name) => settingsOf(model)[name] === undefined)).map((setting) => ({ model, operation, setting })),
	)
	.map(({ model, operation, setting }): Invalid => ({
		model,
		operation,
		parameters: { videoSettings: { [setting]: SETTINGS[setting].type === 'boolean' ? true : SETTINGS[setting].type === 'number' ? 5 : 'general' } },
		field: `Video Settings › ${SETTINGS[setting].label}`,
	}));

/** A value outside the model's list for a listed setting. */
const valueOutsideList = modelAndOperation
	.chain(({ model, operation }) => {
		const listed = SETTING_NAMES.filter((name) => Array.isArray(settingsOf(model)[name]));
		return listed.length ? fc.constantFrom(...listed).map((setting) => ({ model, operation, setting })) : fc.constant(undefined);
	})
	.filter((value): value is { model: ModelSpec; operation: Operation; setting: SettingName } => value !== undefined)
	.chain(({ model, operation, setting }) => {
		const allowed = settingsOf(model)[setting] as ReadonlyArray<string | number>;
		const candidate =
			SETTINGS[setting].type === 'number'
				? fc.integer({ min: 1, max: 240 })
				: setting === 'size'
					? fc.tuple(fc.integer({ min: 16, max: 8000 }), fc.integer({ min: 16, max: 8000 })).map(([w, h]) => `${w}x${h}`)
					: fc.string({ minLength: 1, maxLength: 12 }).filter((text) => text.trim() !== '');
		return (candidate as fc.Arbitrary<string | number>)
			.filter((value) => !allowed.includes(value) && !allowed.includes(String(value).trim()))
			.map((value): Invalid => ({ model, operation, parameters: { videoSettings: { [setting]: value } }, field: `Video Settings › ${SETTINGS[setting].label}` }));
	});

const promptTooLong = modelAndOperation.chain(({ model, operation }) =>
	fc.integer({ min: PROMPT_MAX_LENGTH + 1, max: 2000 }).map((length): Invalid => ({ model, operation, parameters: { prompt: '视'.repeat(length) }, field: 'Prompt' })),
);

const userIdOutOfRange = modelAndOperation
	.filter(({ model }) => settingsOf(model).userId !== undefined)
	.chain(({ model, operation }) =>
		fc
			.oneof(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ minLength: 129, maxLength: 200 }))
			.filter((text) => text.trim().length > 0 && (text.trim().length < 6 || text.trim().length > 128))
			.map((userId): Invalid => ({ model, operation, parameters: { videoSettings: { userId } }, field: 'Video Settings › User ID' })),
	);

const wrongReferenceCount = fc.integer({ min: IMAGE_COUNT.referenceToVideo.max + 1, max: 8 }).map(
	(count): Invalid => ({
		model: MODELS.find((model) => model.id === 'vidu2-reference')!,
		operation: 'referenceToVideo',
		parameters: { referenceImages: { images: Array.from({ length: count }, (_, n) => ({ url: `https://example.com/${n}.png` })) } },
		field: 'Images',
	}),
);

const invalidInput = fc.oneof(unacceptedSetting, valueOutsideList, promptTooLong, userIdOutOfRange, wrongReferenceCount);

/** The image fields each operation needs to be otherwise valid: URLs, which the API fetches itself. */
function validImages(operation: Operation): IDataObject {
	switch (operation) {
		case 'imageToVideo':
			return { imageSource: 'url', imageUrl: 'https://example.com/a.png' };
		case 'firstLastFrame':
			return { imageSource: 'url', firstFrameUrl: 'https://example.com/a.png', lastFrameUrl: 'https://example.com/b.png' };
		case 'referenceToVideo':
			return { imageSource: 'url', referenceImages: { images: [{ url: 'https://example.com/a.png' }] } };
		default:
			return {};
	}
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('generated invalid combinations', () => {
	it('are refused by the settings check with a message naming the field (many cases, no I/O)', () => {
		fc.assert(
			fc.property(fc.oneof(unacceptedSetting, valueOutsideList, userIdOutOfRange), ({ model, parameters, field }) => {
				expect(() => settingsToBody(model, parameters.videoSettings as IDataObject)).toThrow(new RegExp(`^${escape(field)}: `));
			}),
			{ numRuns: 500 },
		);
	});

	describe('in a run of three items with Continue On Fail', () => {
		let standin: Standin;
		beforeAll(async () => {
			standin = await startStandin({ generationMs: 30 });
		});
		afterAll(async () => standin.close());

		it('fail only their own item, with no create call for it, while the others complete', async () => {
			await fc.assert(
				fc.asyncProperty(invalidInput, async ({ model, operation, parameters, field }) => {
					const before = standin.createCalls();
					const valid: IDataObject = { prompt: 'A lighthouse in a storm', ...validImages(operation), videoSettings: {} };
					const perItem = [valid, { ...valid, ...parameters }, valid];
					const { items } = await runNode(
						standin,
						{
							operation,
							model: model.id,
							prompt: (i: number) => perItem[i].prompt,
							imageSource: (i: number) => perItem[i].imageSource,
							imageUrl: (i: number) => perItem[i].imageUrl,
							firstFrameUrl: (i: number) => perItem[i].firstFrameUrl,
							lastFrameUrl: (i: number) => perItem[i].lastFrameUrl,
							referenceImages: (i: number) => perItem[i].referenceImages,
							videoSettings: (i: number) => perItem[i].videoSettings,
							options: { pollInterval: 0.02, download: false },
						},
						{ items: perItem.map(() => ({ json: {} })), continueOnFail: true },
					);
					expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
					expect(String(items[1].json.error)).toMatch(new RegExp(`^${escape(field)}[ :]`));
					expect(String(items[1].json.error)).not.toContain('\n');
					expect(items[1].json.taskId).toBeUndefined();
					expect([items[0].json.status, items[2].json.status]).toEqual(['SUCCESS', 'SUCCESS']);
					expect(standin.createCalls()).toBe(before + 2);
				}),
				{ numRuns: 40 },
			);
		});
	});
});
