/**
 * The log file IT reads on a workstation (a packaged Windows app has no console):
 * `<dataDir>/logs/wardline.log`, owner-only, rotated by size so it never grows without bound.
 * Lines are already free of message content (the callers' rule); here they are capped, stripped of
 * anything that could forge or disguise a line, and their addresses pseudonymised. Writes are
 * synchronous appends (a line is on disk before a crash can lose it; a few lines a minute), and
 * nothing here ever throws: a log file is never a reason for the app to stop or not quit.
 */
import { chmodSync, closeSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { newPseudonymKey, pseudonymiseAddresses, type PseudonymKey } from './logPseudonyms.js';

export const LOG_FILE_NAME = 'wardline.log';
/** Longer lines are cut: no legitimate line comes near, and hostile text (a server's element names) can be huge. */
export const MAX_LINE_CHARS = 2_000;
/** How often (in lines) to check the file is still the one at the path (deleted or moved by someone). */
const RECHECK_EVERY = 50;

export interface LogFileOptions {
  /** Rotate when the file would pass this size. Default 1 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one (wardline.log.1 … .N). Default 3; 0 truncates. */
  keep?: number;
  now?: () => Date;
}

export interface LogFile {
  readonly path: string;
  write(line: string): void;
  /** A new pseudonym key: lines after it cannot be linked to lines before it. */
  rekey(): void;
  close(): void;
}

/** Control, format (bidi overrides, zero-width) and line/paragraph separators, shown as \u{…}. */
const DISGUISING = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

export function cleanLogLine(line: string, key: PseudonymKey): string {
  const capped = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…[cut]` : line;
  return pseudonymiseAddresses(capped, key).replace(DISGUISING, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}

export function openLogFile(dataDir: string, options: LogFileOptions = {}): LogFile {
  const dir = path.join(dataDir, 'logs');
  const file = path.join(dir, LOG_FILE_NAME);
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const keep = options.keep ?? 3;
  const now = options.now ?? (() => new Date());
  let key = newPseudonymKey();
  let fd: number | null = null;
  let size = 0;
  let linesSinceCheck = 0;
  let closed = false;

  const quietly = (step: () => void): boolean => {
    try {
      step();
      return true;
    } catch {
      return false;
    }
  };
  const closeFile = (): void => {
    const old = fd;
    fd = null;
    if (old !== null) quietly(() => closeSync(old));
  };
  /** Opens (creating the folder again if someone removed it), owner-only where the OS has modes. */
  const openFile = (): void => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const opened = openSync(file, 'a', 0o600);
    fd = opened;
    if (process.platform !== 'win32') {
      // A folder or file that already existed keeps its mode otherwise.
      quietly(() => chmodSync(dir, 0o700));
      quietly(() => fchmodSync(opened, 0o600));
    }
    size = fstatSync(opened).size;
    linesSinceCheck = 0;
  };
  /** Still the file at the path? (Deleted, or moved to the Recycle Bin, the writes would vanish.) */
  const stillAtPath = (): boolean => {
    if (fd === null) return false;
    const open = fstatSync(fd);
    if (open.nlink === 0) return false;
    try {
      const atPath = statSync(file);
      return atPath.ino === open.ino && atPath.dev === open.dev;
    } catch {
      return false;
    }
  };
  /** Moves the live file aside only if it can: otherwise it keeps appending and tries at a later line. */
  const rotate = (): void => {
    if (keep === 0) {
      closeFile();
      if (quietly(() => rmSync(file, { force: true }))) openFile();
      return;
    }
    closeFile();
    const movedAside = quietly(() => renameSync(file, `${file}.rotating`));
    if (movedAside) {
      quietly(() => rmSync(`${file}.${keep}`, { force: true }));
      for (let n = keep - 1; n >= 1; n--) quietly(() => renameSync(`${file}.${n}`, `${file}.${n + 1}`));
      if (!quietly(() => renameSync(`${file}.rotating`, `${file}.1`))) quietly(() => rmSync(`${file}.rotating`, { force: true }));
    }
    openFile();
  };

  quietly(openFile);

  return {
    path: file,
    write(line: string): void {
      if (closed) return;
      quietly(() => {
        const bytes = Buffer.from(`${now().toISOString()} ${cleanLogLine(line, key)}\n`, 'utf8');
        if (fd !== null && ++linesSinceCheck >= RECHECK_EVERY) {
          linesSinceCheck = 0;
          if (!stillAtPath()) closeFile();
        }
        if (fd === null) openFile();
        if (size > 0 && size + bytes.length > maxBytes) quietly(rotate);
        if (fd === null) openFile();
        writeSync(fd!, bytes);
        size += bytes.length;
      });
    },
    rekey(): void {
      key = newPseudonymKey();
    },
    close(): void {
      closed = true;
      closeFile();
    },
  };
}
