/**
 * The editor shows what the per-model table says: checked with n8n-workflow's own display logic,
 * which decides what the editor shows and which parameters n8n keeps.
 */
import type { INode, INodeProperties, INodeParameters } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { CogVideoX } from '../../nodes/CogVideoX/CogVideoX.node';
import { modelOptions, sizeOptions } from '../../nodes/CogVideoX/actions/fields';
import { MODELS, modelsFor, SETTING_NAMES, settingsOf } from '../../nodes/CogVideoX/models';
import type { Operation } from '../../nodes/CogVideoX/models';
import { OPTION_DEFAULTS } from '../../nodes/CogVideoX/item/prepare';

const node = new CogVideoX();
const { properties } = node.description;
const NODE: INode = { id: '1', name: 'CogVideoX', type: 'n8n-nodes-cogvideox.cogVideoX', typeVersion: 1, position: [0, 0], parameters: {} };

const visible = (parameter: INodeProperties, values: INodeParameters) =>
	NodeHelpers.displayParameter(values, parameter, NODE, node.description, values);

const videoSettings = properties.find((property) => property.name === 'videoSettings')!;
const settingOptions = videoSettings.options as INodeProperties[];

function shownSettings(operation: Operation, model: string): string[] {
	const values = { operation, model };
	return settingOptions.filter((option) => visible(option, values)).map((option) => option.name).sort();
}

describe('Model lists', () => {
	it.each(['textToVideo', 'imageToVideo', 'firstLastFrame', 'referenceToVideo'] as Operation[])('%s lists exactly the models that support it', (operation) => {
		const fields = properties.filter((property) => property.name === 'model' && visible(property, { operation }));
		expect(fields).toHaveLength(1);
		expect(fields[0].options!.map((option) => (option as { value: string }).value)).toEqual(modelsFor(operation).map((model) => model.id));
		expect(modelsFor(operation).map((model) => model.id)).toContain(fields[0].default);
	});

	it('loads the list for the credential’s platform in the editor (getModels), with the static list as its fallback', () => {
		const fields = properties.filter((property) => property.name === 'model');
		expect(fields.every((field) => field.typeOptions?.loadOptionsMethod === 'getModels')).toBe(true);
	});

	it('offers on International (api.z.ai) only the models Z.ai lists: cogvideox-3, and the Vidu models with a note', () => {
		const ids = (operation: Operation, platform: 'china' | 'international') => modelOptions(operation, platform).map((option) => option.value);
		expect(ids('textToVideo', 'international')).toEqual(['cogvideox-3', 'viduq1-text']);
		expect(ids('imageToVideo', 'international')).toEqual(['cogvideox-3', 'viduq1-image', 'vidu2-image']);
		expect(ids('textToVideo', 'china')).toEqual(['cogvideox-3', 'cogvideox-2', 'cogvideox-flash', 'viduq1-text']);
		const vidu = modelOptions('textToVideo', 'international').find((option) => option.value === 'viduq1-text');
		expect(vidu?.description).toMatch(/z\.ai: listed in its console, no longer in its API reference/);
		const flash = modelOptions('textToVideo').find((option) => option.value === 'cogvideox-flash');
		expect(flash?.description).toMatch(/China platform only/);
	});

	it('matches the operations the issue names', () => {
		expect(modelsFor('textToVideo').map((model) => model.id)).toEqual(['cogvideox-3', 'cogvideox-2', 'cogvideox-flash', 'viduq1-text']);
		expect(modelsFor('imageToVideo').map((model) => model.id)).toEqual(['cogvideox-3', 'cogvideox-2', 'cogvideox-flash', 'viduq1-image', 'vidu2-image']);
		expect(modelsFor('firstLastFrame').map((model) => model.id)).toEqual(['cogvideox-3', 'viduq1-start-end', 'vidu2-start-end']);
		expect(modelsFor('referenceToVideo').map((model) => model.id)).toEqual(['vidu2-reference']);
	});
});

describe('Video Settings show only what the chosen model takes', () => {
	it.each([
		['textToVideo', 'cogvideox-3', ['duration', 'fps', 'quality', 'size', 'userId', 'watermark', 'withAudio']],
		// cogvideox-2's current schema has no duration; the Vidu schemas have no watermark_enabled (D7, D9).
		['textToVideo', 'cogvideox-2', ['fps', 'quality', 'size', 'userId', 'watermark', 'withAudio']],
		['textToVideo', 'cogvideox-flash', []],
		['textToVideo', 'viduq1-text', ['aspectRatio', 'movementAmplitude', 'style', 'userId']],
		// With Audio is Z.ai's reading for viduq1-image: shown, and refused on China by the run (D8).
		['imageToVideo', 'viduq1-image', ['movementAmplitude', 'userId', 'withAudio']],
		['firstLastFrame', 'vidu2-start-end', ['movementAmplitude', 'size', 'userId', 'withAudio']],
		['referenceToVideo', 'vidu2-reference', ['aspectRatio', 'movementAmplitude', 'userId', 'withAudio']],
	] as Array<[Operation, string, string[]]>)('%s with %s', (operation, model, expected) => {
		expect(shownSettings(operation, model)).toEqual(expected);
	});

	it('shows every setting when the model comes from an expression, so none is dropped before validation', () => {
		expect(shownSettings('textToVideo', '={{ $json.model }}')).toEqual([...SETTING_NAMES].sort());
	});

	it('shows a setting only for models that take it on some platform', () => {
		for (const model of MODELS) {
			for (const setting of shownSettings(model.operations[0], model.id)) {
				expect(settingsOf(model)[setting as keyof ReturnType<typeof settingsOf>]).toBeDefined();
			}
		}
	});

	it('lists the chosen model’s sizes on the credential’s platform in the Size field, and every size for an expression', () => {
		expect(sizeOptions('vidu2-start-end').map((option) => option.value)).toEqual(['1280x720', '480x360']);
		expect(sizeOptions('vidu2-start-end', 'china').map((option) => option.value)).toEqual(['1280x720', '480x360']);
		expect(sizeOptions('vidu2-start-end', 'international').map((option) => option.value)).toEqual(['1280x720']);
		expect(sizeOptions('cogvideox-2').map((option) => option.value)).toContain('720x480');
		expect(sizeOptions('={{ $json.model }}').map((option) => option.value)).toEqual(
			expect.arrayContaining(['3840x2160', '720x480', '480x360']),
		);
	});
});

describe('parameters', () => {
	const all = (list: INodeProperties[]): INodeProperties[] =>
		list.flatMap((property) => [
			property,
			...all(((property.options ?? []) as INodeProperties[]).filter((option) => 'type' in option)),
			...((property.options ?? []) as Array<{ values?: INodeProperties[] }>).flatMap((option) => all(option.values ?? [])),
		]);

	it('every field has a description, for the editor and for agents that call the node as a tool', () => {
		const missing = all(properties).filter((property) => property.name !== 'operation' && !property.description);
		expect(missing.map((property) => property.name)).toEqual([]);
	});

	it('keeps the names that stored workflows use', () => {
		const names = new Set(all(properties).map((property) => property.name));
		for (const name of [
			'operation', 'model', 'prompt', 'imageSource', 'imageBinaryProperty', 'imageUrl', 'firstFrameBinaryProperty', 'lastFrameBinaryProperty',
			'firstFrameUrl', 'lastFrameUrl', 'referenceImages', 'taskId', 'waitForCompletion', 'videoSettings', 'options', 'size', 'duration', 'fps',
			'quality', 'withAudio', 'style', 'aspectRatio', 'movementAmplitude', 'watermark', 'userId', 'download', 'outputBinaryProperty',
			'downloadCover', 'pollInterval', 'timeout', 'maxConcurrency',
		]) {
			expect(names).toContain(name);
		}
		expect(node.description.name).toBe('cogVideoX');
		expect(node.description.credentials).toEqual([expect.objectContaining({ name: 'zhipuAiApi', required: true })]);
	});
});

describe('Options', () => {
	it('shows the defaults the run falls back to (the lint rules want literal defaults in the description)', () => {
		const options = properties.find((property) => property.name === 'options')!.options as INodeProperties[];
		const defaultOf = (name: string) => options.find((option) => option.name === name)!.default;
		expect({
			maxConcurrency: defaultOf('maxConcurrency'),
			pollIntervalSeconds: defaultOf('pollInterval'),
			timeoutSeconds: defaultOf('timeout'),
			outputBinaryProperty: defaultOf('outputBinaryProperty'),
		}).toEqual(OPTION_DEFAULTS);
	});
});
