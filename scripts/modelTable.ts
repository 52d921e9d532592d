/**
 * Renders the README's per-model settings table from the node's per-model table, so the docs cannot drift:
 * test/unit/readme.test.ts fails when the README differs, and `npm run docs` rewrites it.
 */
import type { ImageRules, ModelSpec, Platform, Ratio, SettingName } from '../nodes/CogVideoX/models';
import { IMAGE_COUNT, IMAGE_LIMITS, MODELS, SETTING_NAMES, SETTINGS, settingsOf } from '../nodes/CogVideoX/models';
import { OPERATION_LABELS } from '../nodes/CogVideoX/item/request';

export const TABLE_START = '<!-- model-table:start (generated from nodes/CogVideoX/models.ts by `npm run docs`) -->';
export const TABLE_END = '<!-- model-table:end -->';

const MB = 1024 * 1024;

function imageCounts(operations: readonly (keyof typeof IMAGE_COUNT)[]): string {
	return operations
		.map((operation) => {
			const { min, max } = IMAGE_COUNT[operation];
			return min === max ? `${min}` : `${min}–${max}`;
		})
		.join(' / ');
}

const ratio = ([a, b]: Ratio) => `${a}:${b}`;
const factor = ([a, b]: Ratio) => String(a / b);

/** The pixel rules in words, as the node checks them. */
function pixelRules(rules: ImageRules | undefined): string[] {
	if (!rules) return [];
	const words: string[] = [];
	if (rules.minSide) words.push(`at least ${rules.minSide}x${rules.minSide} px`);
	if (rules.aspect) words.push(`aspect ratio ${ratio(rules.aspect.min)} to ${ratio(rules.aspect.max)}`);
	if (rules.frameAspectMatch) {
		words.push(`the two frames' aspect ratios within ${factor(rules.frameAspectMatch.min)}–${factor(rules.frameAspectMatch.max)} of each other`);
	}
	return words;
}

const PLATFORM_NAMES: Record<Platform, string> = { china: 'China', international: 'International' };

/** Where the platforms' docs list the model, with the note where a source is uncertain. */
function platforms(model: ModelSpec): string {
	return (Object.keys(PLATFORM_NAMES) as Platform[])
		.filter((platform) => model.platforms[platform])
		.map((platform) => `${PLATFORM_NAMES[platform]}${model.platforms[platform]?.note ? ` (${model.platforms[platform]?.note})` : ''}`)
		.join(', ');
}

/** The platform whose docs alone give a setting or a value, e.g. "China" for vidu2-start-end's 480x360. */
function onlyOn(model: ModelSpec, name: SettingName, value?: string | number): string | undefined {
	const base = model.settings[name];
	if (base !== undefined && (value === undefined || (Array.isArray(base) && (base as ReadonlyArray<string | number>).includes(value)))) return undefined;
	const platform = (Object.keys(model.extraOn ?? {}) as Platform[]).find((candidate) => model.extraOn?.[candidate]?.[name] !== undefined);
	return platform && PLATFORM_NAMES[platform];
}

export function renderModelTable(): string {
	const header = ['Model', 'Platforms', 'Operations', 'Images', 'Size', 'Duration (s)', 'FPS', 'Other settings', 'Input images'];
	const rows = MODELS.map((model) => {
		const settings = settingsOf(model);
		const list = (name: 'size' | 'duration' | 'fps') => {
			const values = settings[name] as ReadonlyArray<string | number> | undefined;
			if (!values) return '–';
			return values.map((value) => (onlyOn(model, name, value) ? `${value} (${onlyOn(model, name, value)} only)` : String(value))).join(', ');
		};
		const other = SETTING_NAMES.filter((name) => !['size', 'duration', 'fps'].includes(name) && settings[name] !== undefined).map((name) => {
			const rule = settings[name];
			const label = Array.isArray(rule) ? `${SETTINGS[name].label} (${rule.join(' / ')})` : SETTINGS[name].label;
			return onlyOn(model, name) ? `${label} (${onlyOn(model, name)} only)` : label;
		});
		const limits = IMAGE_LIMITS[model.family];
		return [
			`\`${model.id}\``,
			platforms(model),
			model.operations.map((operation) => OPERATION_LABELS[operation]).join(', '),
			imageCounts(model.operations),
			list('size'),
			list('duration'),
			list('fps'),
			other.length ? other.join(', ') : 'none: only the prompt and image are sent',
			model.operations.every((operation) => IMAGE_COUNT[operation].max === 0)
				? '–'
				: [`${limits.formats.join(', ')}`, `up to ${limits.maxBytes / MB} MB`, ...pixelRules(model.imageRules)].join('; '),
		];
	});
	return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The README with its table section replaced by the current rendering. */
export function withModelTable(readme: string): string {
	const start = readme.indexOf(TABLE_START);
	const end = readme.indexOf(TABLE_END);
	if (start < 0 || end < start) throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
	return `${readme.slice(0, start + TABLE_START.length)}\n${renderModelTable()}\n${readme.slice(end)}`;
}
