/**
 * PNG text chunks (tEXt: a Latin-1 keyword and text), written after the header and read back, so a picture can carry
 * what it was made from. No image library needed: a PNG is a signature and a list of length/type/data/CRC chunks.
 */
import { crc32 } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
	type: string;
	data: Buffer;
}

function chunks(png: Buffer): Chunk[] {
	if (png.length < SIGNATURE.length || !png.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a PNG file');
	const found: Chunk[] = [];
	for (let at = SIGNATURE.length; at + 12 <= png.length; ) {
		const length = png.readUInt32BE(at);
		found.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
		at += 12 + length;
	}
	return found;
}

function encodeChunk({ type, data }: Chunk): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'latin1');
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
	return Buffer.concat([head, data, crc]);
}

/** The PNG with a tEXt chunk `keyword`=`text` right after its header, replacing any earlier one of that keyword. */
export function withPngText(png: Buffer, keyword: string, text: string): Buffer {
	const kept = chunks(png).filter((chunk) => !(chunk.type === 'tEXt' && textOf(chunk)?.keyword === keyword));
	const added = { type: 'tEXt', data: Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]) };
	return Buffer.concat([SIGNATURE, ...[kept[0], added, ...kept.slice(1)].map(encodeChunk)]);
}

function textOf(chunk: Chunk): { keyword: string; text: string } | undefined {
	const separator = chunk.data.indexOf(0);
	if (separator < 0) return undefined;
	return { keyword: chunk.data.toString('latin1', 0, separator), text: chunk.data.toString('latin1', separator + 1) };
}

/** The text of the PNG's tEXt chunk `keyword`, if it has one. */
export function pngText(png: Buffer, keyword: string): string | undefined {
	for (const chunk of chunks(png)) {
		if (chunk.type !== 'tEXt') continue;
		const entry = textOf(chunk);
		if (entry?.keyword === keyword) return entry.text;
	}
	return undefined;
}
