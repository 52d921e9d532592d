/**
 * An image's width and height, read from its own header: png (IHDR), jpeg (the frame header, after any EXIF, ICC or
 * other segments) and webp (VP8, VP8L or VP8X). Each format's reader asks for the byte ranges it needs, in file order,
 * so the same reader runs over bytes in memory or over a stream that is read no further than the size.
 */
import type { ImageFormat } from '../models';

export interface Dimensions {
	width: number;
	height: number;
}

/** `length` bytes at `offset`. A reader's offsets never go back, so a stream serves them in one pass. */
interface ByteRange {
	offset: number;
	length: number;
}

type SizeReader = Generator<ByteRange, Dimensions, Buffer>;

/** The header is missing or damaged. The message says what is wrong in the file, for a one-line error. */
export class ImageHeaderError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ImageHeaderError';
	}
}

/** How far into a file the size is looked for: only jpeg metadata could push it this far. */
export const SIZE_SCAN_LIMIT = 16 * 1024 * 1024;

function sized(format: ImageFormat, width: number, height: number): Dimensions {
	if (width === 0 || height === 0) throw new ImageHeaderError(`the ${format} header gives a size of ${width}x${height}`);
	return { width, height };
}

function* pngSize(): SizeReader {
	// The signature (8 bytes), then the IHDR chunk: length, type, width, height.
	const ihdr = yield { offset: 8, length: 16 };
	if (ihdr.toString('latin1', 4, 8) !== 'IHDR') throw new ImageHeaderError('the png file does not start with its IHDR header');
	return sized('png', ihdr.readUInt32BE(8), ihdr.readUInt32BE(12));
}

/** Frame headers: SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
const isFrameHeader = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
/** Markers without a length: TEM and RST0-7. */
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

function* jpegSize(): SizeReader {
	let offset = 2; // after SOI
	for (;;) {
		const [prefix, marker] = yield { offset, length: 2 };
		if (prefix !== 0xff) throw new ImageHeaderError(`the jpeg file has no segment marker at byte ${offset}`);
		if (marker === 0xff || isStandalone(marker)) {
			offset += marker === 0xff ? 1 : 2; // a fill byte, or a marker with no segment
			continue;
		}
		if (marker === 0xda || marker === 0xd9) throw new ImageHeaderError('the jpeg image data starts before its frame header');
		if (isFrameHeader(marker)) {
			// Segment length (2), sample precision (1), height (2), width (2).
			const frame = yield { offset: offset + 2, length: 7 };
			return sized('jpeg', frame.readUInt16BE(5), frame.readUInt16BE(3));
		}
		const length = (yield { offset: offset + 2, length: 2 }).readUInt16BE(0);
		if (length < 2) throw new ImageHeaderError(`the jpeg file has a segment of length ${length} at byte ${offset}`);
		offset += 2 + length;
	}
}

function* webpSize(): SizeReader {
	// RIFF header (12 bytes), then the first chunk's type and size, then its first bytes.
	const chunk = (yield { offset: 12, length: 8 }).toString('latin1', 0, 4);
	if (chunk === 'VP8 ') {
		// Frame tag (3), start code 9D 01 2A (3), then 14-bit width and height (the top 2 bits are a scale).
		const frame = yield { offset: 20, length: 10 };
		if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) throw new ImageHeaderError('the webp (VP8) frame has no start code');
		return sized('webp', frame.readUInt16LE(6) & 0x3fff, frame.readUInt16LE(8) & 0x3fff);
	}
	if (chunk === 'VP8L') {
		// Signature 0x2F, then width - 1 and height - 1 in 14 bits each, least significant bit first.
		const header = yield { offset: 20, length: 5 };
		if (header[0] !== 0x2f) throw new ImageHeaderError('the webp (VP8L) header has no signature');
		const bits = header.readUInt32LE(1);
		return sized('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
	}
	if (chunk === 'VP8X') {
		// Flags (1), reserved (3), then canvas width - 1 and height - 1 in 24 bits each.
		const header = yield { offset: 20, length: 10 };
		return sized('webp', header.readUIntLE(4, 3) + 1, header.readUIntLE(7, 3) + 1);
	}
	throw new ImageHeaderError(`the webp file starts with an unknown "${chunk.replace(/[^\x20-\x7e]/g, '?')}" chunk`);
}

const READERS: Record<ImageFormat, () => SizeReader> = { png: pngSize, jpeg: jpegSize, webp: webpSize };

function checkRange({ offset, length }: ByteRange): void {
	if (offset + length > SIZE_SCAN_LIMIT) {
		throw new ImageHeaderError(`no width and height in the first ${SIZE_SCAN_LIMIT / (1024 * 1024)} MB of the file`);
	}
}

const endsEarly = (format: ImageFormat) => new ImageHeaderError(`the ${format} file ends before its width and height (it may be cut short)`);

/**
 * Where a file's bytes come from. `read` gives the bytes of a range, fewer where the file ends. A stream's source
 * cannot go back before the last range read.
 */
export interface ByteSource {
	read(offset: number, length: number): Buffer | Promise<Buffer>;
}

/** The size of an image whose first bytes show `format`, reading only the ranges its header needs. */
export async function readDimensions(format: ImageFormat, source: ByteSource): Promise<Dimensions> {
	const reader = READERS[format]();
	let step = reader.next();
	while (!step.done) {
		checkRange(step.value);
		const bytes = await source.read(step.value.offset, step.value.length);
		if (bytes.length < step.value.length) throw endsEarly(format);
		step = reader.next(bytes);
	}
	return step.value;
}

export const bufferSource = (bytes: Buffer): ByteSource => ({ read: (offset, length) => bytes.subarray(offset, offset + length) });

/** Base64 text read without decoding all of it: only the 4-character groups that hold the range. */
export function base64Source(base64: string): ByteSource {
	return {
		read(offset, length) {
			const group = Math.floor(offset / 3);
			const bytes = Buffer.from(base64.slice(group * 4, Math.ceil((offset + length) / 3) * 4), 'base64');
			return bytes.subarray(offset - group * 3, offset - group * 3 + length);
		},
	};
}

/**
 * A stream read no further than the last range asked for. Bytes before the range are dropped, so memory stays at
 * about one chunk however long the jpeg metadata before the frame header is. `close` ends the stream.
 */
export function streamSource(stream: AsyncIterable<Buffer | Uint8Array | string>): ByteSource & { close(): Promise<void> } {
	const chunks = stream[Symbol.asyncIterator]();
	let window = Buffer.alloc(0);
	let windowStart = 0;
	let ended = false;
	return {
		async read(offset, length) {
			if (offset < windowStart) throw new Error(`the stream is past byte ${offset}`);
			while (!ended && windowStart + window.length < offset + length) {
				const next = await chunks.next();
				if (next.done) {
					ended = true;
					break;
				}
				const drop = Math.min(offset - windowStart, window.length);
				window = Buffer.concat([window.subarray(drop), Buffer.from(next.value)]);
				windowStart += drop;
			}
			return window.subarray(offset - windowStart, offset - windowStart + length);
		},
		async close() {
			await chunks.return?.();
		},
	};
}
