// The node's image header reader, over files made by real encoders (test/fixtures/images/make-fixtures.sh).
import { Readable } from 'node:stream';

import { imageSize } from 'image-size';

import type { ByteSource, Dimensions } from '../../nodes/CogVideoX/item/imageDimensions';
import { base64Source, bufferSource, ImageHeaderError, readDimensions, SIZE_SCAN_LIMIT, streamSource } from '../../nodes/CogVideoX/item/imageDimensions';
import { sniffImageFormat } from '../../nodes/CogVideoX/item/images';
import type { ImageFormat } from '../../nodes/CogVideoX/models';
import { fixture, IMAGE_FIXTURES, jpeg, png } from '../fixtures/images';

const cases = IMAGE_FIXTURES.map((image) => [image.name, image] as const);

/** A stream of `bytes` in chunks of `chunkSize`, counting what a reader pulled from it. */
function countingStream(bytes: Buffer, chunkSize: number) {
	const counter = { pulled: 0, destroyed: false };
	let offset = 0;
	const stream = new Readable({
		read() {
			if (offset >= bytes.length) return void this.push(null);
			const chunk = bytes.subarray(offset, offset + chunkSize);
			offset += chunk.length;
			counter.pulled += chunk.length;
			this.push(chunk);
		},
		destroy(error, callback) {
			counter.destroyed = true;
			callback(error);
		},
		highWaterMark: 1, // pull one chunk at a time, so `pulled` is what the reader needed
	});
	return { stream, counter };
}

async function fromStream(format: ImageFormat, bytes: Buffer, chunkSize: number): Promise<Dimensions> {
	const source = streamSource(countingStream(bytes, chunkSize).stream);
	try {
		return await readDimensions(format, source);
	} finally {
		await source.close();
	}
}

const cut = (bytes: Buffer, length: number) => bufferSource(bytes.subarray(0, length));

describe('width and height from files made by real encoders', () => {
	it('covers png (plain, palette, interlaced, 16-bit), jpeg (SOF0, 1, 2, 9, 10, EXIF/XMP/ICC) and webp (VP8, VP8L, VP8X)', () => {
		const names = IMAGE_FIXTURES.map((image) => image.name);
		for (const kind of ['png-33x17', 'png-palette', 'png-interlaced', 'png-gray16', 'jpeg-baseline', 'jpeg-progressive-33', 'jpeg-extended', 'jpeg-arithmetic', 'jpeg-progressive-arithmetic', 'jpeg-exif', 'webp-lossy', 'webp-lossless', 'webp-alpha', 'webp-icc']) {
			expect(names.some((name) => name.startsWith(kind))).toBe(true);
		}
	});

	it.each(cases)('%s: from memory, from base64 and from a stream of 7-byte chunks', async (_name, image) => {
		const bytes = fixture(image.name);
		const expected = { width: image.width, height: image.height };
		expect(sniffImageFormat(bytes)).toBe(image.format);
		expect(await readDimensions(image.format, bufferSource(bytes))).toEqual(expected);
		expect(await readDimensions(image.format, base64Source(bytes.toString('base64')))).toEqual(expected);
		expect(await fromStream(image.format, bytes, 7)).toEqual(expected);
	});

	// image-size, a separate reader, agrees; it does not read arithmetic-coded jpegs (SOF9, SOF10) at all.
	it.each(cases.filter(([name]) => !name.includes('arithmetic')))('%s: image-size reads the same size', (_name, image) => {
		const { width, height } = imageSize(fixture(image.name));
		expect({ width, height }).toEqual({ width: image.width, height: image.height });
	});

	it('reads past 40 kB of EXIF, XMP and ICC before the frame header, not taking the size of the EXIF thumbnail', async () => {
		const bytes = fixture('jpeg-exif-33x17.jpg');
		const sof0 = Buffer.from([0xff, 0xc0]);
		// The 200x150 thumbnail inside the EXIF block has a frame header of its own, long before the image's.
		expect(bytes.indexOf(sof0)).toBeLessThan(5_000);
		expect(bytes.lastIndexOf(sof0)).toBeGreaterThan(39_000);
		expect(await fromStream('jpeg', bytes, 1000)).toEqual({ width: 33, height: 17 });
	});
});

describe('truncated files: every cut before the size is refused, never a crash', () => {
	it.each(cases)('%s', async (_name, image) => {
		const bytes = fixture(image.name);
		// The shortest prefix the size can be read from: everything shorter must give the "ends" error.
		let needed = 0;
		while (needed <= bytes.length) {
			try {
				await readDimensions(image.format, cut(bytes, needed));
				break;
			} catch (error) {
				expect(error).toBeInstanceOf(ImageHeaderError);
				expect((error as Error).message).toBe(`the ${image.format} file ends before its width and height (it may be cut short)`);
				needed++;
			}
		}
		expect(needed).toBeLessThan(bytes.length);
		expect(needed).toBeLessThanOrEqual(image.name.includes('exif') ? 40_000 : 400);
		await expect(fromStream(image.format, bytes.subarray(0, needed - 1), 5)).rejects.toThrow(/ends before its width and height/);
	});
});

describe('damaged headers are refused in one line that says what is wrong', () => {
	const jpegHead = Buffer.from([0xff, 0xd8]);
	const segment = (marker: number, data: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff]), data]);
	const sof0 = (width: number, height: number) => segment(0xc0, Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]));
	const webpWith = (chunk: string, payload: number[]) => Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), Buffer.from(chunk, 'latin1'), Buffer.alloc(4), Buffer.from(payload)]);
	const pngBytes = fixture('png-33x17.png');

	const damaged: Array<[string, ImageFormat, Buffer, string]> = [
		['a png whose first chunk is not IHDR', 'png', Buffer.concat([pngBytes.subarray(0, 12), Buffer.from('tEXt'), pngBytes.subarray(16)]), 'the png file does not start with its IHDR header'],
		['a png of width 0', 'png', Buffer.concat([pngBytes.subarray(0, 16), Buffer.alloc(4), pngBytes.subarray(20)]), 'the png header gives a size of 0x17'],
		['a jpeg with image data before any frame header', 'jpeg', Buffer.concat([jpegHead, segment(0xda, Buffer.alloc(10)), sof0(9, 9)]), 'the jpeg image data starts before its frame header'],
		['a jpeg that ends (EOI) before a frame header', 'jpeg', Buffer.concat([jpegHead, Buffer.from([0xff, 0xd9])]), 'the jpeg image data starts before its frame header'],
		['a jpeg with bytes where a marker should be', 'jpeg', Buffer.concat([jpegHead, Buffer.from([0x12, 0x34, 0, 0]), sof0(9, 9)]), 'the jpeg file has no segment marker at byte 2'],
		['a jpeg segment of length 1', 'jpeg', Buffer.concat([jpegHead, Buffer.from([0xff, 0xe1, 0, 1]), sof0(9, 9)]), 'the jpeg file has a segment of length 1 at byte 2'],
		['a jpeg of height 0 (set later by a DNL marker)', 'jpeg', Buffer.concat([jpegHead, sof0(9, 0)]), 'the jpeg header gives a size of 9x0'],
		['a webp with an unknown first chunk', 'webp', webpWith('ABCD', new Array(10).fill(0)), 'the webp file starts with an unknown "ABCD" chunk'],
		['a VP8 frame without its start code', 'webp', webpWith('VP8 ', new Array(10).fill(0)), 'the webp (VP8) frame has no start code'],
		['a VP8L header without its signature', 'webp', webpWith('VP8L', [0, 0, 0, 0, 0]), 'the webp (VP8L) header has no signature'],
	];
	it.each(damaged)('%s', async (_name, format, bytes, message) => {
		await expect(readDimensions(format, bufferSource(bytes))).rejects.toThrow(new ImageHeaderError(message));
	});

	it('skips fill bytes (0xFF) before a jpeg marker, as decoders do', async () => {
		const bytes = Buffer.concat([jpegHead, Buffer.from([0xff, 0xff, 0xff]), segment(0xe0, Buffer.alloc(14)), Buffer.from([0xff, 0xff]), sof0(640, 480)]);
		expect(await readDimensions('jpeg', bufferSource(bytes))).toEqual({ width: 640, height: 480 });
	});

	it(`stops looking after ${SIZE_SCAN_LIMIT / 1024 / 1024} MB of jpeg metadata before a frame header`, async () => {
		const bytes = jpeg(SIZE_SCAN_LIMIT + 64 * 1024);
		await expect(readDimensions('jpeg', bufferSource(bytes))).rejects.toThrow(new ImageHeaderError('no width and height in the first 16 MB of the file'));
		const justUnder = jpeg(SIZE_SCAN_LIMIT - 1024 * 1024);
		expect(await readDimensions('jpeg', bufferSource(justUnder))).toEqual({ width: 256, height: 144 });
	});
});

describe('a stream is read no further than the size', () => {
	it('a 5 MB png: one 64 kB chunk is pulled, and the stream is ended', async () => {
		const bytes = png(5 * 1024 * 1024);
		const { stream, counter } = countingStream(bytes, 64 * 1024);
		const source = streamSource(stream);
		expect(await readDimensions('png', source)).toEqual({ width: 256, height: 144 });
		await source.close();
		expect(counter.pulled).toBe(64 * 1024);
		expect(counter.destroyed).toBe(true);
	});

	it('a 1280x720 progressive jpeg of 9.8 kB read in 1 kB chunks: only the first chunk', async () => {
		const bytes = fixture('rule-1280x720.jpg');
		const { stream, counter } = countingStream(bytes, 1024);
		expect(await readDimensions('jpeg', streamSource(stream))).toEqual({ width: 1280, height: 720 });
		expect(counter.pulled).toBe(1024);
	});

	it('5 MB of jpeg comments before the frame header are skipped holding at most two chunks', async () => {
		const bytes = jpeg(5 * 1024 * 1024);
		const source = streamSource(countingStream(bytes, 64 * 1024).stream);
		let largest = 0;
		const measured: ByteSource = {
			async read(offset, length) {
				const chunk = await source.read(offset, length);
				largest = Math.max(largest, chunk.buffer.byteLength);
				return chunk;
			},
		};
		expect(await readDimensions('jpeg', measured)).toEqual({ width: 256, height: 144 });
		expect(largest).toBeLessThanOrEqual(2 * 64 * 1024);
	});
});
