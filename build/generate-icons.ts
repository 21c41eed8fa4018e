/**
 * Writes Wardline's placeholder icon (teal square, white cross) as
 * build/icon.png (256×256, Linux), build/icon.ico (Windows) and
 * build/icon.icns (macOS). ICO and ICNS both embed the PNG as-is, so no
 * image tooling is needed. Run: npx tsx build/generate-icons.ts
 * Replace with the real artwork before any release.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 256;
const TEAL = [0x0f, 0x6e, 0x6e] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function isCross(x: number, y: number): boolean {
  const arm = SIZE * 0.14; // half-width of each bar
  const reach = SIZE * 0.34; // half-length of each bar
  const c = SIZE / 2;
  const dx = Math.abs(x + 0.5 - c);
  const dy = Math.abs(y + 0.5 - c);
  return (dx <= arm && dy <= reach) || (dy <= arm && dx <= reach);
}

export function renderIconPng(): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < SIZE; y++) {
    const row = Buffer.alloc(1 + SIZE * 3); // filter byte 0, then RGB
    for (let x = 0; x < SIZE; x++) Buffer.from(isCross(x, y) ? WHITE : TEAL).copy(row, 1 + x * 3);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** ICO with one PNG-compressed 256×256 entry (Windows Vista and later). */
export function wrapIco(png: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  const entry = Buffer.alloc(16);
  entry.writeUInt8(0, 0); // 0 means 256 wide
  entry.writeUInt8(0, 1); // 0 means 256 high
  entry.writeUInt16LE(1, 4); // colour planes
  entry.writeUInt16LE(32, 6); // bits per pixel
  entry.writeUInt32LE(png.length, 8);
  entry.writeUInt32LE(header.length + entry.length, 12);
  return Buffer.concat([header, entry, png]);
}

/** ICNS with one 'ic08' (256×256 PNG) element. */
export function wrapIcns(png: Buffer): Buffer {
  const element = Buffer.alloc(8);
  element.write('ic08', 0, 'ascii');
  element.writeUInt32BE(8 + png.length, 4);
  const header = Buffer.alloc(8);
  header.write('icns', 0, 'ascii');
  header.writeUInt32BE(8 + element.length + png.length, 4);
  return Buffer.concat([header, element, png]);
}

const png = renderIconPng();
const out = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
writeFileSync(out('icon.png'), png);
writeFileSync(out('icon.ico'), wrapIco(png));
writeFileSync(out('icon.icns'), wrapIcns(png));
console.log(`icons written: png ${png.length} bytes`);
