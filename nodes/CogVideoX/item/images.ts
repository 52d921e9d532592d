/**
 * Input images: from a binary property of the item (sent inline as a data URL) or a URL (passed to the API as is,
 * never fetched by the node). Format, file size and pixel limits come from the per-model table.
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { InputError } from '../api/errors';
import type { ByteSource } from './imageDimensions';
import { base64Source, ImageHeaderError, readDimensions, streamSource } from './imageDimensions';
import type { SizedImage } from './imageRules';
import type { ImageFormat, ModelSpec } from '../models';
import { IMAGE_LIMITS } from '../models';
import { settle } from '../settle';

export const MIME_OF: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

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
/** Bytes read from a binary's stream at a time while looking for its size. */
const STREAM_CHUNK_BYTES = 64 * 1024;

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

/** An image's bytes, read only as far as a check needs, and its size in bytes. */
interface ImageBytes {
	source: ByteSource;
	size: number;
	close?: () => Promise<void>;
}

/** A binary's bytes, without reading a filesystem-mode file whole: it is streamed up to the image's size. */
async function binaryBytes(ctx: IExecuteFunctions, binary: IBinaryData): Promise<ImageBytes> {
	if (!binary.id) return { source: base64Source(binary.data), size: Buffer.byteLength(binary.data, 'base64') };
	const { fileSize } = await ctx.helpers.getBinaryMetadata(binary.id);
	const stream = streamSource(await ctx.helpers.getBinaryStream(binary.id, STREAM_CHUNK_BYTES));
	return { source: stream, size: fileSize, close: async () => await stream.close() };
}

/** Checks an image's format and size in bytes, then, where the model has pixel rules, reads its width and height. */
async function checkAndSize(image: ImageBytes, model: ModelSpec, field: string): Promise<SizedImage | undefined> {
	const format = checkImage(await image.source.read(0, HEAD_BYTES), image.size, model, field);
	return model.imageRules ? { field, ...(await readDimensions(format, image.source)) } : undefined;
}

/** checkAndSize, then the stream is ended; a header that cannot be read is refused in one line naming the field. */
async function inspect(image: ImageBytes, model: ModelSpec, field: string): Promise<SizedImage | undefined> {
	const checked = await settle(checkAndSize(image, model, field));
	await image.close?.();
	if (checked.ok) return checked.value;
	const { error } = checked;
	if (error instanceof ImageHeaderError) throw new InputError(`${field}: cannot read the image's width and height: ${error.message}`);
	throw error;
}

/**
 * Checks an image before any paid call is made, reading only its first bytes and, where the model has pixel rules,
 * its header. Gives the image's width and height when they were read: not for an http(s) URL, which is not fetched.
 */
export async function checkImageRef(ctx: IExecuteFunctions, itemIndex: number, ref: ImageRef, model: ModelSpec): Promise<SizedImage | undefined> {
	if (ref.source === 'url') return await checkImageUrl(ref.url, model, ref.field);
	return await inspect(await binaryBytes(ctx, binaryOf(ctx, itemIndex, ref).binary), model, ref.field);
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

/**
 * Checks an image URL. An http(s) URL is fetched by the API, not by the node, so only its form is checked; a data URL
 * is checked like a binary, decoding only the bytes the checks read.
 */
export async function checkImageUrl(url: string, model: ModelSpec, field: string): Promise<SizedImage | undefined> {
	const value = url.trim();
	if (!value) throw new InputError(`${field} is empty: enter an http(s) URL of the image`);
	if (/^https?:\/\/[^\s/]+/i.test(value)) return undefined;
	if (DATA_URL.test(value)) {
		const payload = value.slice(value.indexOf(',') + 1).replace(/\s+/g, '');
		return await inspect({ source: base64Source(payload), size: Buffer.byteLength(payload, 'base64') }, model, field);
	}
	throw new InputError(`${field}: "${value.slice(0, 80)}" is not an http(s) URL or a data:image/…;base64 URL`);
}
