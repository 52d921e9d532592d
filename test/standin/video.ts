// Deterministic result files. The mp4 is generated chunk by chunk from a per-task seed, so even a
// 500 MB video is never held in memory: every download and every hash regenerates the same stream.
import { createCipheriv, createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

const CHUNK = 256 * 1024;
const ZEROS = Buffer.alloc(CHUNK);
const MAX_BOX32 = 0xffffffff;

/** ftyp box: major brand isom, minor version 0x200, compatible isom/iso2/avc1/mp41 (32 bytes). */
function ftypBox(): Buffer {
	const box = Buffer.alloc(32);
	box.writeUInt32BE(32, 0);
	box.write('ftypisom', 4, 'latin1');
	box.writeUInt32BE(0x200, 12);
	box.write('isomiso2avc1mp41', 16, 'latin1');
	return box;
}

/** Header of the free box that pads the file to `size` bytes; uses a 64-bit size when needed. */
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

export const MIN_VIDEO_BYTES = 40;

function mp4Header(size: number): Buffer {
	const ftyp = ftypBox();
	// The free box spans everything after ftyp; its header grows to 16 bytes past 4 GiB.
	return Buffer.concat([ftyp, freeBoxHeader(size - ftyp.length)]);
}

/** Yields the mp4 for `seed` in chunks: header, then an AES-256-CTR keystream (fast, seekless, repeatable). */
export function* videoChunks(seed: string, size: number): Generator<Buffer> {
	if (size < MIN_VIDEO_BYTES) throw new Error(`videoBytes must be at least ${MIN_VIDEO_BYTES}`);
	const header = mp4Header(size);
	yield header;
	const key = createHash('sha256').update(`video:${seed}`).digest();
	const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
	for (let left = size - header.length; left > 0; left -= CHUNK) {
		yield cipher.update(left >= CHUNK ? ZEROS : ZEROS.subarray(0, left));
	}
}

export function videoSha256(seed: string, size: number): string {
	const hash = createHash('sha256');
	for (const chunk of videoChunks(seed, size)) hash.update(chunk);
	return hash.digest('hex');
}

// --- cover PNG: a real 1x1 image plus a private ancillary chunk that pads it to the wanted size ---

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
/** Signature + IHDR + IDAT + empty padding chunk + IEND. */
export const MIN_COVER_BYTES = 84;

export function coverPng(seed: string, size: number): Buffer {
	if (size < MIN_COVER_BYTES) throw new Error(`coverBytes must be at least ${MIN_COVER_BYTES}`);
	const digest = createHash('sha256').update(`cover:${seed}`).digest();
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(1, 0); // width
	ihdr.writeUInt32BE(1, 4); // height
	ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
	const pixel = Buffer.from([0, digest[0], digest[1], digest[2]]); // filter byte + one RGB pixel
	const head = Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(pixel))]);
	const iend = pngChunk('IEND', Buffer.alloc(0));
	const padLength = size - head.length - iend.length - 12;
	const pad = Buffer.alloc(padLength, digest.subarray(3));
	// "stDn": lowercase first letter = ancillary, so decoders skip it.
	return Buffer.concat([head, pngChunk('stDn', pad), iend]);
}
