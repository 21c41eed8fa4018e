// The workstation's log file: what IT reads when a packaged app has no console. It must hold the
// lines, stay bounded, be readable by the OS user only, never take the app down, and not tell
// others on a shared login who talked to whom.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanLogLine, MAX_LINE_CHARS, openLogFile } from '../../electron/core/diagnostics/logFile.js';
import { newPseudonymKey, pseudonymiseAddresses } from '../../electron/core/diagnostics/logPseudonyms.js';
import { jidForLog } from '../../electron/core/messaging/jid.js';

const dirs: string[] = [];
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'wardline-logfile-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const PSEUDONYM = '~[0-9a-f]{12}';

describe('pseudonymiseAddresses', () => {
  const key = newPseudonymKey();

  it('replaces the person part of every address, keeps the domain, and is stable within a key', () => {
    const line = `chat rejected reason=spoofed-carbon from=${jidForLog('mallory@partner.test/laptop')} conversation=${jidForLog('Alice.Moreno@trust.nhs.uk')}`;
    const out = pseudonymiseAddresses(line, key);
    expect(out).not.toMatch(/mallory|alice/i);
    expect(out).toMatch(new RegExp(`^chat rejected reason=spoofed-carbon from=${PSEUDONYM}@partner\\.test conversation=${PSEUDONYM}@trust\\.nhs\\.uk$`));
    // The same bare address (any case, any resource) gives the same pseudonym under one key.
    expect(pseudonymiseAddresses('x=alice.moreno@trust.nhs.uk/ward-pc', key)).toBe(`x=${out.split('conversation=')[1]}`);
    // Another key gives another: after a lock or unlock, lines cannot be linked to earlier ones.
    expect(pseudonymiseAddresses('x=alice.moreno@trust.nhs.uk', newPseudonymKey())).not.toBe(pseudonymiseAddresses('x=alice.moreno@trust.nhs.uk', key));
  });

  it('replaces the whole token, whatever it holds: escaped, raw, room addresses and their nicknames', () => {
    expect(pseudonymiseAddresses(`room=${jidForLog('o\u2019brien@trust.nhs.uk')}`, key)).toMatch(new RegExp(`^room=${PSEUDONYM}@trust\\.nhs\\.uk$`));
    // Logged raw by some future line: nothing of the local part or the nickname is left.
    for (const raw of ["o'brien@trust.nhs.uk", 'j%ext@trust.nhs.uk', 'ward7@conference.trust.nhs.uk/Dr Jane']) {
      const out = pseudonymiseAddresses(`from=${raw}`, key);
      expect(out, raw).toMatch(new RegExp(`^from=${PSEUDONYM}@[a-z.]+\\.nhs\\.uk`));
      expect(out, raw).not.toMatch(/brien|ext@|ward7|Dr$/);
    }
    // Domains keep every character jidForLog keeps.
    expect(pseudonymiseAddresses('a=jane@trust_nhs+x.uk', key)).toMatch(new RegExp(`^a=${PSEUDONYM}@trust_nhs\\+x\\.uk$`));
    expect(pseudonymiseAddresses('locked reason=os-lock', key)).toBe('locked reason=os-lock');
  });

  it('stays linear on hostile text (a server-chosen element name logged raw): no retry from every position', () => {
    const hostile = `chat room-join-failed error=${'a'.repeat(250_000)}`;
    const started = performance.now();
    expect(pseudonymiseAddresses(hostile, key)).toBe(hostile);
    // A generous bound, not a speed target: the quadratic scan this replaces took seconds at 30,000.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('cleanLogLine', () => {
  it('caps a line and shows what could forge or disguise one (line separators, bidi overrides) as \\u{…}', () => {
    const key = newPseudonymKey();
    expect(cleanLogLine('x'.repeat(MAX_LINE_CHARS + 500), key)).toBe(`${'x'.repeat(MAX_LINE_CHARS)}…[cut]`);
    expect(cleanLogLine('error=a\nlocked reason=idle\u2028b\u202ec', key)).toBe('error=a\\u{a}locked reason=idle\\u{2028}b\\u{202e}c');
  });
});

describe('openLogFile', () => {
  it('appends timestamped lines to <dataDir>/logs/wardline.log, owner-only, addresses pseudonymised', () => {
    const dataDir = freshDir();
    const log = openLogFile(dataDir, { now: () => new Date('2026-11-26T15:00:00.000Z') });
    log.write('locked reason=idle');
    log.write(`chat bookmark-failed room=${jidForLog('ward7@conference.trust.nhs.uk')} error=TimeoutError`);
    log.close();
    log.write('after close: dropped');
    expect(() => log.close()).not.toThrow();
    const text = readFileSync(join(dataDir, 'logs', 'wardline.log'), 'utf8');
    expect(text.split('\n')).toEqual([
      '2026-11-26T15:00:00.000Z locked reason=idle',
      expect.stringMatching(new RegExp(`^2026-11-26T15:00:00\\.000Z chat bookmark-failed room=${PSEUDONYM}@conference\\.trust\\.nhs\\.uk error=TimeoutError$`)),
      '',
    ]);
    expect(text).not.toContain('ward7');
    if (process.platform !== 'win32') {
      expect(statSync(join(dataDir, 'logs')).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, 'logs', 'wardline.log')).mode & 0o777).toBe(0o600);
    }
  });

  it('rekey: the same address gets another pseudonym after it', () => {
    const dataDir = freshDir();
    const log = openLogFile(dataDir);
    log.write('a=alice@trust.nhs.uk');
    log.write('a=alice@trust.nhs.uk');
    log.rekey();
    log.write('a=alice@trust.nhs.uk');
    log.close();
    const tokens = readFileSync(join(dataDir, 'logs', 'wardline.log'), 'utf8').trim().split('\n').map((line) => line.split('a=')[1]);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[1]);
  });

  it('rotates by size and keeps a bounded number of files, the newest lines in wardline.log', () => {
    const dataDir = freshDir();
    const log = openLogFile(dataDir, { maxBytes: 200, keep: 2 });
    for (let n = 0; n < 40; n++) log.write(`line ${String(n).padStart(3, '0')} ${'x'.repeat(40)}`);
    log.close();
    const logs = join(dataDir, 'logs');
    expect(readdirSync(logs).sort()).toEqual(['wardline.log', 'wardline.log.1', 'wardline.log.2']);
    for (const name of readdirSync(logs)) expect(statSync(join(logs, name)).size).toBeLessThanOrEqual(200);
    expect(readFileSync(join(logs, 'wardline.log'), 'utf8')).toContain('line 039');
    expect(readFileSync(join(logs, 'wardline.log.2'), 'utf8')).not.toContain('line 000');
  });

  it('keep 0 truncates instead of keeping old files', () => {
    const dataDir = freshDir();
    const log = openLogFile(dataDir, { maxBytes: 200, keep: 0 });
    for (let n = 0; n < 40; n++) log.write(`line ${String(n).padStart(3, '0')} ${'x'.repeat(40)}`);
    log.close();
    expect(readdirSync(join(dataDir, 'logs'))).toEqual(['wardline.log']);
    expect(statSync(join(dataDir, 'logs', 'wardline.log')).size).toBeLessThanOrEqual(200);
  });

  it('appends to what a previous run left, and comes back by itself when the file or its folder is removed', () => {
    const dataDir = freshDir();
    const logs = join(dataDir, 'logs');
    const first = openLogFile(dataDir);
    first.write('run one');
    first.close();
    const second = openLogFile(dataDir);
    second.write('run two');
    expect(readFileSync(join(logs, 'wardline.log'), 'utf8')).toMatch(/run one\n.*run two\n$/);

    rmSync(join(logs, 'wardline.log')); // deleted under it: writes would go to the unlinked file
    for (let n = 0; n < 60; n++) second.write(`after the delete ${n}`);
    expect(readFileSync(join(logs, 'wardline.log'), 'utf8')).toContain('after the delete 59');

    rmSync(logs, { recursive: true, force: true }); // the whole folder
    for (let n = 0; n < 60; n++) expect(() => second.write(`after the folder went ${n}`)).not.toThrow();
    second.close();
    expect(existsSync(join(logs, 'wardline.log'))).toBe(true);
    expect(readFileSync(join(logs, 'wardline.log'), 'utf8')).toContain('after the folder went 59');
  });
});
