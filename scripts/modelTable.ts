/**
 * Renders the README's per-model settings table from the node's per-model table, so the docs cannot drift:
 * test/unit/readme.test.ts fails when the README differs, and `npm run docs` rewrites it.
 */
import type { ImageRules, Ratio } from '../nodes/CogVideoX/models';
import { IMAGE_COUNT, IMAGE_LIMITS, MODELS, SETTING_NAMES, SETTINGS } from '../nodes/CogVideoX/models';
import { OPERATION_LABELS } from '../nodes/CogVideoX/request';

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

export function renderModelTable(): string {
	const header = ['Model', 'Operations', 'Images', 'Size', 'Duration (s)', 'FPS', 'Other settings', 'Input images'];
	const rows = MODELS.map((model) => {
		const { settings } = model;
		const list = (values: readonly (string | number)[] | undefined) => (values ? values.join(', ') : '–');
		const other = SETTING_NAMES.filter((name) => !['size', 'duration', 'fps'].includes(name) && settings[name] !== undefined).map((name) => {
			const rule = settings[name];
			return Array.isArray(rule) ? `${SETTINGS[name].label} (${rule.join(' / ')})` : SETTINGS[name].label;
		});
		const limits = IMAGE_LIMITS[model.family];
		return [
			`\`${model.id}\``,
			model.operations.map((operation) => OPERATION_LABELS[operation]).join(', '),
			imageCounts(model.operations),
			list(settings.size),
			list(settings.duration),
			list(settings.fps),
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
