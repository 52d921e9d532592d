// Deterministic result files. Every mp4 is a real, playable clip (media/clip.mp4, made by
// scripts/make-standin-media.sh) followed by a `free` box that players skip, filled from a per-task seed: each task's
// bytes differ, and even a 500 MB video is generated chunk by chunk, never held in memory.
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const CHUNK = 256 * 1024;
const ZEROS = Buffer.alloc(CHUNK);
const MAX_BOX32 = 0xffffffff;

const media = (file: string): Buffer => readFileSync(join(__dirname, 'media', file));
/** 4 s of 640x360 H.264, moov before mdat (a browser plays it while it loads). */
const CLIP = media('clip.mp4');
/** A frame of the clip, the cover image, as PNG and as JPEG: the real API serves covers as either. */
const COVER_FRAME = media('cover.png');
const COVER_JPEG = media('cover.jpg');

export type CoverFormat = 'png' | 'jpeg';

/** Header of a free box of `boxSize` bytes (header included), with a 64-bit size past 4 GiB. */
function freeBoxHeader(boxSize: number): Buffer {
	if (boxSize <= MAX_BOX32) {
		const h = Buffer.alloc(8);
		h.writeUInt32BE(boxSize, 0);
		h.write('free', 4, 'latin1');
		return h;
	}
	const h = Buffer.alloc(16);
	h.writeUInt32BE(1, 0); // size 1 = "64-bit size follows"
	h.write('free', 4, 'latin1');
	h.writeBigUInt64BE(BigInt(boxSize), 8);
	return h;
}

/** The clip and the smallest free box after it. */
export const MIN_VIDEO_BYTES = CLIP.length + 8;

/** Yields the mp4 for `seed` in chunks: the clip, then a free box of an AES-256-CTR keystream (fast, repeatable). */
export function* videoChunks(seed: string, size: number): Generator<Buffer> {
	if (size < MIN_VIDEO_BYTES) throw new Error(`videoBytes must be at least ${MIN_VIDEO_BYTES} (the clip and an empty free box)`);
	yield CLIP;
	// The free box spans everything after the clip; its header grows to 16 bytes past 4 GiB.
	const header = freeBoxHeader(size - CLIP.length);
	yield header;
	const key = createHash('sha256').update(`video:${seed}`).digest();
	const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
	for (let left = size - CLIP.length - header.length; left > 0; left -= CHUNK) {
		yield cipher.update(left >= CHUNK ? ZEROS : ZEROS.subarray(0, left));
	}
}

export function videoSha256(seed: string, size: number): string {
	const hash = createHash('sha256');
	for (const chunk of videoChunks(seed, size)) hash.update(chunk);
	return hash.digest('hex');
}

// --- PNGs of an exact size: a real image plus a private ancillary chunk that pads it ---

/** A PNG chunk: length, type, data, and the CRC of type and data (node:zlib's crc32, Node 20.15 and newer). */
export function pngChunk(type: string, data: Buffer): Buffer {
	const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	typeAndData.copy(out, 4);
	out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
	return out;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IEND = pngChunk('IEND', Buffer.alloc(0));

/** `image` (a whole PNG) with a seeded ancillary chunk before its IEND, so the file is exactly `size` bytes. */
function paddedTo(image: Buffer, seed: string, size: number): Buffer {
	const head = image.subarray(0, image.length - IEND.length);
	const pad = Buffer.alloc(size - image.length - 12, createHash('sha256').update(`cover:${seed}`).digest());
	// "stDn": lowercase first letter = ancillary, so decoders skip it.
	return Buffer.concat([head, pngChunk('stDn', pad), IEND]);
}

/** The cover frame and the smallest padding: an empty PNG chunk, or an empty JPEG comment segment. */
export const MIN_COVER_BYTES: Record<CoverFormat, number> = { png: COVER_FRAME.length + 12, jpeg: COVER_JPEG.length + 4 };

/** The cover image of a task: a frame of the clip, padded per task to `size` bytes. */
export function coverPng(seed: string, size: number): Buffer {
	if (size < MIN_COVER_BYTES.png) throw new Error(`coverBytes must be at least ${MIN_COVER_BYTES.png} (the frame and an empty padding chunk)`);
	return paddedTo(COVER_FRAME, seed, size);
}

/** The largest JPEG segment's data: its length field counts itself, and holds at most 65535. */
const MAX_SEGMENT_DATA = 65533;

/**
 * The JPEG cover of a task, padded to `size` bytes with comment segments (FF FE, length, data) after its start
 * marker, which decoders skip. A segment takes 4 bytes besides its data, so each leaves at least that much.
 */
export function coverJpeg(seed: string, size: number): Buffer {
	if (size !== COVER_JPEG.length && size < MIN_COVER_BYTES.jpeg) {
		throw new Error(`coverBytes must be at least ${MIN_COVER_BYTES.jpeg} (the frame and a comment segment)`);
	}
	const fill = createHash('sha256').update(`cover:${seed}`).digest();
	const segments: Buffer[] = [];
	for (let left = size - COVER_JPEG.length; left > 0; ) {
		let data = Math.min(MAX_SEGMENT_DATA, left - 4);
		if (left - 4 - data > 0 && left - 4 - data < 4) data -= 4;
		const segment = Buffer.alloc(4 + data, fill);
		segment.writeUInt16BE(0xfffe, 0);
		segment.writeUInt16BE(data + 2, 2);
		segments.push(segment);
		left -= 4 + data;
	}
	return Buffer.concat([COVER_JPEG.subarray(0, 2), ...segments, COVER_JPEG.subarray(2)]);
}

export function coverImage(format: CoverFormat, seed: string, size: number): Buffer {
	return format === 'jpeg' ? coverJpeg(seed, size) : coverPng(seed, size);
}
