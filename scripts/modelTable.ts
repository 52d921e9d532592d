/**
 * Renders the README's per-model settings table from the node's per-model table, so the docs cannot drift:
 * test/unit/readme.test.ts fails when the README differs, and `npm run docs` rewrites it.
 */
import type { ImageRules, ModelSpec, Platform, Ratio, SettingName } from '../nodes/CogVideoX/models';
import { IMAGE_COUNT, IMAGE_LIMITS, MODELS, SETTING_NAMES, SETTINGS, settingsOf } from '../nodes/CogVideoX/models';

export const TABLE_START = '<!-- model-table:start (generated from nodes/CogVideoX/models.ts by `npm run docs`) -->';
export const TABLE_END = '<!-- model-table:end -->';

const MB = 1024 * 1024;

/** What each operation makes a video from, in the README's words (the operations are named in full beside it). */
function inputsOf(operation: keyof typeof IMAGE_COUNT): string {
	const { min, max } = IMAGE_COUNT[operation];
	const count = min === max ? `${min}` : `${min}–${max}`;
	if (max === 0) return 'text';
	if (operation === 'firstLastFrame') return 'first & last frame';
	if (operation === 'referenceToVideo') return `${count} reference images`;
	return `${count} image`;
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
const MARKS = ['¹', '²', '³', '⁴'];

/** Where the platforms' docs list the model; a note where a source is uncertain becomes a mark, said once below the table. */
function platforms(model: ModelSpec, notes: string[]): string {
	return (Object.keys(PLATFORM_NAMES) as Platform[])
		.filter((platform) => model.platforms[platform])
		.map((platform) => {
			const note = model.platforms[platform]?.note;
			if (!note) return PLATFORM_NAMES[platform];
			if (!notes.includes(note)) notes.push(note);
			return `${PLATFORM_NAMES[platform]}${MARKS[notes.indexOf(note)]}`;
		})
		.join(', ');
}

/** The platform whose docs alone give a setting or a value, e.g. "China" for vidu2-start-end's 480x360. */
function onlyOn(model: ModelSpec, name: SettingName, value?: string | number): string | undefined {
	const base = model.settings[name];
	if (base !== undefined && (value === undefined || (Array.isArray(base) && (base as ReadonlyArray<string | number>).includes(value)))) return undefined;
	const platform = (Object.keys(model.extraOn ?? {}) as Platform[]).find((candidate) => model.extraOn?.[candidate]?.[name] !== undefined);
	return platform && PLATFORM_NAMES[platform];
}

const OWN_COLUMNS: readonly SettingName[] = ['size', 'duration', 'fps'];

/** The values of a listed setting, where every model that takes it takes the same ones (said once, below the table). */
function sharedValues(): Map<SettingName, string> {
	const shared = new Map<SettingName, string>();
	for (const name of SETTING_NAMES.filter((setting) => !OWN_COLUMNS.includes(setting))) {
		const lists = MODELS.map((model) => settingsOf(model)[name]).filter((rule) => Array.isArray(rule)).map((rule) => (rule as ReadonlyArray<string | number>).join(' / '));
		if (lists.length && lists.every((list) => list === lists[0])) shared.set(name, lists[0]);
	}
	return shared;
}

/** What a model takes as input images, in words, or undefined when none of its operations takes one. */
function inputImages(model: ModelSpec): string | undefined {
	if (model.operations.every((operation) => IMAGE_COUNT[operation].max === 0)) return undefined;
	const limits = IMAGE_LIMITS[model.family];
	return [`${limits.formats.join(', ')}`, `up to ${limits.maxBytes / MB} MB`, ...pixelRules(model.imageRules)].join('; ');
}

/**
 * The table (one row per model), then what the rows share, said once: the platforms' notes, the values of settings
 * that are the same for every model, and the input images' limits with the models they apply to.
 */
export function renderModelTable(): string {
	const header = ['Model', 'Platforms', 'From', 'Size', 'Duration (s)', 'FPS', 'Other settings'];
	const notes: string[] = [];
	const shared = sharedValues();
	const rows = MODELS.map((model) => {
		const settings = settingsOf(model);
		const list = (name: 'size' | 'duration' | 'fps') => {
			const values = settings[name] as ReadonlyArray<string | number> | undefined;
			if (!values) return '–';
			return values.map((value) => (onlyOn(model, name, value) ? `${value} (${onlyOn(model, name, value)} only)` : String(value))).join(', ');
		};
		const other = SETTING_NAMES.filter((name) => !OWN_COLUMNS.includes(name) && settings[name] !== undefined).map((name) => {
			const rule = settings[name];
			const label = Array.isArray(rule) && !shared.has(name) ? `${SETTINGS[name].label} (${rule.join(' / ')})` : SETTINGS[name].label;
			return onlyOn(model, name) ? `${label} (${onlyOn(model, name)} only)` : label;
		});
		return [
			`\`${model.id}\``,
			platforms(model, notes),
			model.operations.map(inputsOf).join(', '),
			list('size'),
			list('duration'),
			list('fps'),
			other.length ? other.join(', ') : 'none',
		];
	});
	const table = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
	const groups = new Map<string, string[]>();
	for (const model of MODELS) {
		const words = inputImages(model);
		if (words) groups.set(words, [...(groups.get(words) ?? []), `\`${model.id}\``]);
	}
	const values = [...shared].map(([name, list]) => `${SETTINGS[name].label}: ${list}`).join('; ');
	return [
		...table,
		'',
		[...notes.map((note, index) => `${MARKS[index]} ${note[0].toUpperCase()}${note.slice(1)}.`), `**Setting values:** ${values}.`].join(' '),
		'',
		'**Input images** (checked before any task is made: [how](docs/api.md#input-images)):',
		...[...groups].map(([words, models], index) => {
			const earlier = [...groups.keys()].slice(0, index).find((other) => words.startsWith(`${other}; `));
			return `- ${models.join(', ')}: ${earlier ? `as above, and ${words.slice(earlier.length + 2)}` : words}`;
		}),
	].join('\n');
}

/** The README with its table section replaced by the current rendering. */
export function withModelTable(readme: string): string {
	const start = readme.indexOf(TABLE_START);
	const end = readme.indexOf(TABLE_END);
	if (start < 0 || end < start) throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
	return `${readme.slice(0, start + TABLE_START.length)}\n${renderModelTable()}\n${readme.slice(end)}`;
}
