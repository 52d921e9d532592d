/**
 * Input images: from a binary property of the item (sent inline as a data URL) or a URL (passed to the API as is,
 * never fetched by the node). Format and size limits come from the per-model table.
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { InputError } from './errors';
import type { ImageFormat, ModelSpec } from './models';
import { IMAGE_LIMITS } from './models';

const MIME_OF: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** The format from the file's first bytes: the mime type on a binary property is often generic or wrong. */
export function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
	if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
	if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
	return undefined;
}

const formatList = (formats: readonly string[]) => formats.join(', ');

function megabytes(bytes: number): string {
	return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

/** Checks an image's format (from its first bytes) and size against the model family's limits. */
export function checkImage(head: Buffer, size: number, model: ModelSpec, field: string): ImageFormat {
	const limits = IMAGE_LIMITS[model.family];
	const format = sniffImageFormat(head);
	if (!format || !limits.formats.includes(format)) {
		const found = format ?? 'not a png, jpeg or webp image';
		throw new InputError(`${field}: ${model.id} takes ${formatList(limits.formats)} images; this file is ${found}`);
	}
	if (size > limits.maxBytes) {
		throw new InputError(`${field}: the image is ${megabytes(size)}; ${model.id} takes images up to ${megabytes(limits.maxBytes)}`);
	}
	return format;
}

/** Where one image of an item comes from. `field` is the parameter's name as the editor shows it. */
export type ImageRef = { field: string; source: 'binary'; property: string } | { field: string; source: 'url'; url: string };

const HEAD_BYTES = 16;

function binaryOf(ctx: IExecuteFunctions, itemIndex: number, ref: { field: string; property: string }): { name: string; binary: IBinaryData } {
	const name = ref.property.trim();
	if (!name) throw new InputError(`${ref.field} is empty: enter the name of the binary property that holds the image`);
	const binaries = ctx.getInputData()[itemIndex]?.binary ?? {};
	if (!binaries[name]) {
		const available = Object.keys(binaries);
		const hint = available.length ? `the item has: ${available.join(', ')}` : 'the item has no binary data';
		throw new InputError(`${ref.field}: binary property "${name}" is not on the input item (${hint})`);
	}
	return { name, binary: binaries[name] };
}

/** The first bytes and the size of a binary, without reading a filesystem-mode file whole. */
async function headAndSize(ctx: IExecuteFunctions, binary: IBinaryData): Promise<{ head: Buffer; size: number }> {
	if (!binary.id) {
		return { head: Buffer.from(binary.data.slice(0, 24), 'base64'), size: Buffer.byteLength(binary.data, 'base64') };
	}
	const { fileSize } = await ctx.helpers.getBinaryMetadata(binary.id);
	const stream = await ctx.helpers.getBinaryStream(binary.id, HEAD_BYTES);
	let head = Buffer.alloc(0);
	for await (const chunk of stream) {
		head = Buffer.concat([head, chunk as Buffer]);
		if (head.length >= HEAD_BYTES) break;
	}
	stream.destroy();
	return { head, size: fileSize };
}

/** Checks an image before any paid call is made: reads only the first bytes and the size of a binary. */
export async function checkImageRef(ctx: IExecuteFunctions, itemIndex: number, ref: ImageRef, model: ModelSpec): Promise<void> {
	if (ref.source === 'url') {
		checkImageUrl(ref.url, model, ref.field);
		return;
	}
	const { head, size } = await headAndSize(ctx, binaryOf(ctx, itemIndex, ref).binary);
	checkImage(head, size, model, ref.field);
}

/** The image as the API takes it: the URL as given, or the binary's bytes as a data URL. */
export async function imageForApi(ctx: IExecuteFunctions, itemIndex: number, ref: ImageRef, model: ModelSpec): Promise<string> {
	if (ref.source === 'url') return ref.url.trim();
	const { name } = binaryOf(ctx, itemIndex, ref);
	// getBinaryDataBuffer reads filesystem-mode binaries too; the base64 on the item is empty there.
	const bytes = await ctx.helpers.getBinaryDataBuffer(itemIndex, name);
	return `data:${MIME_OF[checkImage(bytes, bytes.length, model, ref.field)]};base64,${bytes.toString('base64')}`;
}

const DATA_URL = /^data:image\/(png|jpe?g|webp);base64,[A-Za-z0-9+/=\s]+$/i;

/** Checks an image URL; the API fetches it, so only the form is checked here. */
export function checkImageUrl(url: string, model: ModelSpec, field: string): string {
	const value = url.trim();
	if (!value) throw new InputError(`${field} is empty: enter an http(s) URL of the image`);
	if (/^https?:\/\/[^\s/]+/i.test(value)) return value;
	if (DATA_URL.test(value)) {
		const bytes = Buffer.from(value.slice(value.indexOf(',') + 1), 'base64');
		checkImage(bytes, bytes.length, model, field);
		return value;
	}
	throw new InputError(`${field}: "${value.slice(0, 80)}" is not an http(s) URL or a data:image/…;base64 URL`);
}
