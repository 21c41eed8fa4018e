/**
 * Proves the key against a store's files on disk, reading only, before SQLite opens them.
 *
 * SQLite replays what lies next to a database without needing its key, by copying raw (here:
 * encrypted) pages: on open it rolls a hot -journal back into the file, and the last connection
 * to close checkpoints the -wal into the file and deletes the WAL, even after a failed key check.
 * A -wal or -journal from another database (a backup restore, a sync tool mixing folders) would so
 * overwrite an intact store on an open that then fails. So nothing is handed to SQLite until every
 * page it could read first or replay is known to be this store's, under this key:
 *
 * - page 1 of the file (the key check SQLCipher itself would make);
 * - every frame SQLite's WAL recovery would accept (same salts, valid running checksum, up to the
 *   last commit): those are exactly the frames a checkpoint copies into the file;
 * - no hot rollback journal: a Wardline store is always in WAL mode, so one is never its own
 *   (short of a crash while creating an empty store), and its header alone would truncate the file.
 *
 * SQLCipher 4 (our defaults: 4096-byte pages, 80 reserved bytes = 16-byte IV + 64-byte HMAC)
 * authenticates each page with HMAC-SHA512 over its ciphertext, IV and page number (little-endian),
 * keyed by PBKDF2-HMAC-SHA512(database key, file salt XOR 0x3a, 2 iterations). The salt is the first
 * 16 bytes of the file; a page of another database fails even under the same key. The cost is one
 * page for the normal unlock (no WAL is left after a clean close), and one HMAC per WAL frame after
 * a crash.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { StoreError } from './storeErrors.js';

const pageSize = 4096;
const saltSize = 16;
const hmacSize = 64;
const hmacSaltMask = 0x3a;
const hmacKdfIterations = 2;
const keySize = 32;

const walHeaderSize = 32;
const walFrameHeaderSize = 24;
const walMagic = 0x377f0682;
const walVersion = 3007000;

/** Throws a StoreError, having changed nothing, unless SQLite would read and replay only this store's pages. */
export function checkStoreFiles(path: string, keyHex: string): void {
  try {
    checkFiles(path, keyHex);
  } catch (error) {
    throw error instanceof StoreError ? error : new StoreError('io');
  }
}

function checkFiles(path: string, keyHex: string): void {
  const head = Buffer.alloc(pageSize);
  const read = readFrom(path, head, 0);
  // Absent or empty: a new store. SQLite creates it, and discards any stray -wal or -journal
  // (nothing can be replayed into an empty file); an existing profile never gets here (storeFiles).
  if (read === null || read === 0) return;
  if (read < pageSize) throw new StoreError('wrong-key-or-not-wardline');
  const wal = `${path}-wal`;
  let hmacKey = pageKey(keyHex, head.subarray(0, saltSize));
  try {
    if (hotJournal(`${path}-journal`)) {
      throw new StoreError('corrupt', 'A rollback journal (-journal) from another database is next to the store. Neither file was changed.');
    }
    let check = walCheck(wal, hmacKey);
    const mainPage1 = pageAuthentic(head, 1, hmacKey);
    if (!mainPage1 && check.page1Salt !== null) {
      // Page 1 torn in the file (power lost while a checkpoint wrote it) with a good committed copy
      // in the WAL: SQLite recovers from the WAL, so the check does too, keyed by that copy's salt.
      hmacKey.fill(0);
      hmacKey = pageKey(keyHex, check.page1Salt);
      check = walCheck(wal, hmacKey);
    }
    if (!mainPage1 && !check.page1Authentic) throw new StoreError('wrong-key-or-not-wardline');
    if (!check.authentic) {
      throw new StoreError(
        'wrong-key-or-not-wardline',
        'The write-ahead log (-wal) next to the store does not decrypt with its key: it is from another database. Neither file was changed.',
      );
    }
  } finally {
    hmacKey.fill(0);
  }
}

function pageKey(keyHex: string, salt: Buffer): Buffer {
  const key = Buffer.from(keyHex, 'hex');
  const hmacSalt = Buffer.from(salt);
  for (let i = 0; i < hmacSalt.length; i += 1) hmacSalt[i] = hmacSalt[i]! ^ hmacSaltMask;
  try {
    return pbkdf2Sync(key, hmacSalt, hmacKdfIterations, keySize, 'sha512');
  } finally {
    key.fill(0);
  }
}

function pageAuthentic(page: Buffer, pageNumber: number, hmacKey: Buffer): boolean {
  // Page 1 starts with the salt in clear; the rest of every page is ciphertext, then the IV.
  const start = pageNumber === 1 ? saltSize : 0;
  const number = Buffer.alloc(4);
  number.writeUInt32LE(pageNumber);
  const mac = createHmac('sha512', hmacKey).update(page.subarray(start, page.length - hmacSize)).update(number).digest();
  return timingSafeEqual(mac, page.subarray(page.length - hmacSize));
}

/** Would SQLite roll this journal back on open (it exists, is not empty, and its header is not zeroed)? */
function hotJournal(path: string): boolean {
  const first = Buffer.alloc(1);
  return (readFrom(path, first, 0) ?? 0) > 0 && first[0] !== 0;
}

interface WalCheck {
  /** Every frame a checkpoint would copy is this store's, under this key. */
  authentic: boolean;
  /** The salt of the newest committed copy of page 1 in the WAL (null: none). */
  page1Salt: Buffer | null;
  /** That copy authenticates under this key. */
  page1Authentic: boolean;
}

const NO_WAL: WalCheck = { authentic: true, page1Salt: null, page1Authentic: false };

/** Mirrors SQLite's WAL recovery (walIndexRecover): checks exactly the frames a checkpoint would copy. */
function walCheck(path: string, hmacKey: Buffer): WalCheck {
  const fd = openIfPresent(path);
  if (fd === null) return NO_WAL;
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(walHeaderSize);
    if (size <= walHeaderSize || readSync(fd, header, 0, walHeaderSize, 0) < walHeaderSize) return NO_WAL;
    const magic = header.readUInt32BE(0);
    const framePageSize = header.readUInt32BE(8);
    // A header SQLite rejects means it replays nothing (it only deletes the file after a checkpoint).
    if ((magic & 0xfffffffe) >>> 0 !== walMagic || (framePageSize & (framePageSize - 1)) !== 0 || framePageSize < 512 || framePageSize > 65536) return NO_WAL;
    const bigEndian = (magic & 1) === 1;
    const checksum = walChecksum(bigEndian, header.subarray(0, 24), [0, 0]);
    if (checksum[0] !== header.readUInt32BE(24) || checksum[1] !== header.readUInt32BE(28)) return NO_WAL;
    // SQLite refuses to open such a WAL; so do we, before it is touched.
    if (header.readUInt32BE(4) !== walVersion) return { ...NO_WAL, authentic: false };
    const salts = header.subarray(16, 24);
    const frame = Buffer.alloc(walFrameHeaderSize + framePageSize);
    const frames = Math.floor((size - walHeaderSize) / frame.length);
    let firstForeign = Infinity;
    let lastCommit = 0;
    // Page 1's newest copy so far, and the newest as of the last commit.
    let page1: { salt: Buffer; authentic: boolean } | null = null;
    let committedPage1: { salt: Buffer; authentic: boolean } | null = null;
    for (let index = 1; index <= frames; index += 1) {
      const offset = walHeaderSize + (index - 1) * frame.length;
      if (readSync(fd, frame, 0, frame.length, offset) < frame.length) break;
      const pageNumber = frame.readUInt32BE(0);
      if (!frame.subarray(8, 16).equals(salts) || pageNumber === 0) break;
      walChecksum(bigEndian, frame.subarray(0, 8), checksum);
      walChecksum(bigEndian, frame.subarray(walFrameHeaderSize), checksum);
      if (checksum[0] !== frame.readUInt32BE(16) || checksum[1] !== frame.readUInt32BE(20)) break;
      const authentic = framePageSize === pageSize && pageAuthentic(frame.subarray(walFrameHeaderSize), pageNumber, hmacKey);
      if (firstForeign === Infinity && !authentic) firstForeign = index;
      if (pageNumber === 1) page1 = { salt: Buffer.from(frame.subarray(walFrameHeaderSize, walFrameHeaderSize + saltSize)), authentic };
      if (frame.readUInt32BE(4) !== 0) {
        lastCommit = index;
        committedPage1 = page1;
      }
    }
    // Frames after the last commit are never replayed, whatever they hold.
    return { authentic: firstForeign > lastCommit, page1Salt: committedPage1?.salt ?? null, page1Authentic: committedPage1?.authentic === true };
  } finally {
    closeSync(fd);
  }
}

/** SQLite's WAL checksum: running sums over 32-bit words, in the byte order the magic number names. */
function walChecksum(bigEndian: boolean, bytes: Buffer, sums: [number, number]): [number, number] {
  let s1 = sums[0];
  let s2 = sums[1];
  for (let i = 0; i < bytes.length; i += 8) {
    const a = bigEndian ? bytes.readUInt32BE(i) : bytes.readUInt32LE(i);
    const b = bigEndian ? bytes.readUInt32BE(i + 4) : bytes.readUInt32LE(i + 4);
    s1 = (s1 + a + s2) >>> 0;
    s2 = (s2 + b + s1) >>> 0;
  }
  sums[0] = s1;
  sums[1] = s2;
  return sums;
}

/** Reads into `buffer` from `position`; the byte count, or null if there is no such file. */
function readFrom(path: string, buffer: Buffer, position: number): number | null {
  const fd = openIfPresent(path);
  if (fd === null) return null;
  try {
    let total = 0;
    while (total < buffer.length) {
      const n = readSync(fd, buffer, total, buffer.length - total, position + total);
      if (n === 0) break;
      total += n;
    }
    return total;
  } finally {
    closeSync(fd);
  }
}

function openIfPresent(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
