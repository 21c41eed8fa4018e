/**
 * The log file IT reads on a workstation (a packaged Windows app has no console):
 * `<dataDir>/logs/wardline.log`, owner-only, rotated by size so it never grows without bound.
 * Lines are already free of message content (the callers' rule); addresses are pseudonymised here.
 * Writes are synchronous appends: a line is on disk before a crash can lose it, and log volume is
 * a few lines a minute.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { newPseudonymKey, pseudonymiseAddresses, type PseudonymKey } from './logPseudonyms.js';

export const LOG_FILE_NAME = 'wardline.log';

export interface LogFileOptions {
  /** Rotate when the file would pass this size. Default 1 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one (wardline.log.1 … .N). Default 3. */
  keep?: number;
  now?: () => Date;
  key?: PseudonymKey;
}

export interface LogFile {
  readonly path: string;
  write(line: string): void;
  close(): void;
}

export function openLogFile(dataDir: string, options: LogFileOptions = {}): LogFile {
  const dir = path.join(dataDir, 'logs');
  const file = path.join(dir, LOG_FILE_NAME);
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const keep = options.keep ?? 3;
  const now = options.now ?? (() => new Date());
  const key = options.key ?? newPseudonymKey();
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const open = (): number => openSync(file, 'a', 0o600);
  let fd: number | null = open();
  let size = statSync(file).size;
  let closed = false;

  const rotate = (): void => {
    if (fd !== null) closeSync(fd);
    fd = null;
    size = 0;
    rmSync(`${file}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 0; n--) {
      try {
        renameSync(n === 0 ? file : `${file}.${n}`, `${file}.${n + 1}`);
      } catch {
        // Not there: fewer rotations so far than `keep`, or the file went; a new one starts.
      }
    }
  };

  return {
    path: file,
    write(line: string): void {
      if (closed) return;
      const bytes = Buffer.from(`${now().toISOString()} ${pseudonymiseAddresses(line, key).replace(/[\r\n]+/g, ' ')}\n`, 'utf8');
      try {
        if (size > 0 && size + bytes.length > maxBytes) rotate();
        fd ??= open();
        writeSync(fd, bytes);
        size += bytes.length;
      } catch {
        // A full or vanished disk must not take the app down over a log line; the console still has
        // it. The next line tries the file again.
      }
    },
    close(): void {
      closed = true;
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
