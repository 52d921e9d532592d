/**
 * Validation of one item's resolved parameters against the per-model table, and the create body built from them.
 * Pure functions: no I/O, so every rule is unit-tested directly. Errors name the field and what is allowed.
 */
import type { IDataObject } from 'n8n-workflow';

import { InputError } from '../api/errors';
import type { ModelSpec, Operation, Platform, SettingName } from '../models';
import {
	findModel,
	IMAGE_COUNT,
	modelsFor,
	modelsWithSetting,
	offeredOn,
	PLATFORM_LABELS,
	PROMPT_MAX_LENGTH,
	SETTING_NAMES,
	SETTINGS,
	settingsOf,
	USER_ID_LENGTH,
} from '../models';

export const OPERATION_LABELS: Record<Operation, string> = {
	textToVideo: 'Text to Video',
	imageToVideo: 'Image to Video',
	firstLastFrame: 'First & Last Frame to Video',
	referenceToVideo: 'Reference Images to Video',
};

/** The model an item asks for, on the credential's platform (undefined: a custom base URL, which may front either). */
export function resolveModel(value: unknown, operation: Operation, platform?: Platform): ModelSpec {
	const id = typeof value === 'string' ? value.trim() : '';
	const allowed = modelsFor(operation, platform).map((model) => model.id);
	const model = findModel(id);
	const where = platform ? ` on the ${PLATFORM_LABELS[platform]} platform` : '';
	if (!model || !model.operations.includes(operation)) {
		const what = model ? `does not do ${OPERATION_LABELS[operation]}` : 'is not a known model';
		throw new InputError(`Model: "${String(value)}" ${what}. Allowed for ${OPERATION_LABELS[operation]}${where}: ${allowed.join(', ')}`);
	}
	if (!offeredOn(model, platform)) {
		throw new InputError(
			`Model: ${model.id} is not offered${where}: its API reference does not list it. Allowed for ${OPERATION_LABELS[operation]} there: ${allowed.join(', ')}`,
		);
	}
	return model;
}

/** Prompts count characters as people do (code points), so a Chinese prompt gets its full 512. */
export function checkPrompt(value: unknown, imageCount: number, model: ModelSpec): string {
	const prompt = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
	if (prompt.trim() === '' && imageCount === 0) {
		throw new InputError(`Prompt is empty: ${model.id} needs a prompt of 1 to ${PROMPT_MAX_LENGTH} characters when no image is given`);
	}
	const length = [...prompt].length;
	if (length > PROMPT_MAX_LENGTH) {
		throw new InputError(`Prompt is ${length} characters long; the API takes at most ${PROMPT_MAX_LENGTH}`);
	}
	return prompt.trim();
}

export function checkImageCount(count: number, operation: Operation): void {
	const { min, max } = IMAGE_COUNT[operation];
	if (count < min || count > max) {
		const allowed = min === max ? `${min}` : `${min} to ${max}`;
		throw new InputError(`Images: ${OPERATION_LABELS[operation]} takes ${allowed} image${max === 1 ? '' : 's'}, got ${count}`);
	}
}

function coerce(setting: SettingName, value: unknown): string | number | boolean {
	const { label, type } = SETTINGS[setting];
	if (type === 'number') {
		const number = typeof value === 'number' ? value : Number(String(value).trim());
		if (!Number.isFinite(number)) throw new InputError(`Video Settings › ${label}: "${String(value)}" is not a number`);
		return number;
	}
	if (type === 'boolean') {
		if (typeof value === 'boolean') return value;
		const text = String(value).trim().toLowerCase();
		if (text === 'true' || text === 'false') return text === 'true';
		throw new InputError(`Video Settings › ${label}: "${String(value)}" is not true or false`);
	}
	return String(value).trim();
}

/**
 * The API fields for the item's video settings, as the platform's docs give them to the model. Unset or empty
 * settings are left out, so the API's defaults apply.
 */
export function settingsToBody(model: ModelSpec, settings: IDataObject, platform?: Platform): IDataObject {
	const body: IDataObject = {};
	const rules = settingsOf(model, platform);
	const where = platform ? ` on the ${PLATFORM_LABELS[platform]} platform` : '';
	for (const setting of SETTING_NAMES) {
		const raw = settings[setting];
		if (raw === undefined || raw === null || raw === '') continue;
		const { label, apiField } = SETTINGS[setting];
		const rule = rules[setting];
		if (rule === undefined) {
			const takers = modelsWithSetting(setting, platform);
			const hint = takers.length ? `Remove it, or use a model that takes it: ${takers.join(', ')}` : 'Remove it';
			throw new InputError(`Video Settings › ${label}: ${model.id} does not take this setting${where}. ${hint}`);
		}
		const value = coerce(setting, raw);
		if (Array.isArray(rule) && !(rule as ReadonlyArray<string | number>).includes(value as string | number)) {
			throw new InputError(`Video Settings › ${label}: "${String(raw)}" is not available for ${model.id}${where}. Allowed: ${rule.join(', ')}`);
		}
		if (setting === 'userId') {
			const length = String(value).length;
			if (length < USER_ID_LENGTH.min || length > USER_ID_LENGTH.max) {
				throw new InputError(`Video Settings › ${label}: must be ${USER_ID_LENGTH.min} to ${USER_ID_LENGTH.max} characters, got ${length}`);
			}
		}
		body[apiField] = value;
	}
	return body;
}

export interface CreateBodyParts {
	operation: Operation;
	model: ModelSpec;
	prompt: string;
	/** http(s) or data URLs, in the order the API expects (first frame before last). */
	images: string[];
	settings: IDataObject;
	requestId: string;
}

export function buildCreateBody(parts: CreateBodyParts): IDataObject & { request_id: string } {
	const { operation, model, prompt, images, settings, requestId } = parts;
	const body: IDataObject & { request_id: string } = { model: model.id, request_id: requestId };
	if (prompt) body.prompt = prompt;
	// A single image goes as a string, which every model takes; an operation of several images sends a list.
	if (images.length > 0) body.image_url = IMAGE_COUNT[operation].max === 1 ? images[0] : images;
	return { ...body, ...settings };
}
