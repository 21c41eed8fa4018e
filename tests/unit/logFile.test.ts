// The workstation's log file: what IT reads when a packaged app has no console. It must hold the
// lines, stay bounded, be readable by the OS user only, and not tell others on a shared login who
// talked to whom.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLogFile } from '../../electron/core/diagnostics/logFile.js';
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

describe('pseudonymiseAddresses', () => {
  const key = newPseudonymKey();

  it('replaces the person part of every address, keeps the domain, and is stable within a key', () => {
    const line = `chat rejected reason=spoofed-carbon from=${jidForLog('mallory@partner.test/laptop')} conversation=${jidForLog('Alice.Moreno@trust.nhs.uk')}`;
    const out = pseudonymiseAddresses(line, key);
    expect(out).not.toMatch(/mallory|alice/i);
    expect(out).toMatch(/^chat rejected reason=spoofed-carbon from=~[0-9a-f]{12}@partner\.test conversation=~[0-9a-f]{12}@trust\.nhs\.uk$/);
    // The same address (any case) gives the same pseudonym in a run, so IT can follow it.
    expect(pseudonymiseAddresses('x=alice.moreno@trust.nhs.uk', key)).toBe(`x=${out.split('conversation=')[1]}`);
    // Another run's key gives another: runs do not link up, and hashing the directory does not help.
    expect(pseudonymiseAddresses('x=alice.moreno@trust.nhs.uk', newPseudonymKey())).not.toBe(pseudonymiseAddresses('x=alice.moreno@trust.nhs.uk', key));
  });

  it('covers escaped addresses and room addresses, and leaves lines without one alone', () => {
    const escaped = jidForLog('o\u2019brien@trust.nhs.uk'); // o\u{2019}brien@…
    expect(pseudonymiseAddresses(`room=${escaped}`, key)).toMatch(/^room=~[0-9a-f]{12}@trust\.nhs\.uk$/);
    expect(pseudonymiseAddresses('room=ward7@conference.trust.nhs.uk', key)).toMatch(/^room=~[0-9a-f]{12}@conference\.trust\.nhs\.uk$/);
    expect(pseudonymiseAddresses('locked reason=os-lock', key)).toBe('locked reason=os-lock');
  });
});

describe('openLogFile', () => {
  it('appends timestamped lines to <dataDir>/logs/wardline.log, owner-only, addresses pseudonymised', () => {
    const dataDir = freshDir();
    const log = openLogFile(dataDir, { now: () => new Date('2026-11-26T15:00:00.000Z') });
    log.write('locked reason=idle');
    log.write(`chat bookmark-failed room=${jidForLog('ward7@conference.trust.nhs.uk')} error=TimeoutError`);
    log.write('a line\nthat tries to forge another');
    log.close();
    log.write('after close: dropped');
    const text = readFileSync(join(dataDir, 'logs', 'wardline.log'), 'utf8');
    expect(text.split('\n')).toEqual([
      '2026-11-26T15:00:00.000Z locked reason=idle',
      expect.stringMatching(/^2026-11-26T15:00:00\.000Z chat bookmark-failed room=~[0-9a-f]{12}@conference\.trust\.nhs\.uk error=TimeoutError$/),
      '2026-11-26T15:00:00.000Z a line that tries to forge another',
      '',
    ]);
    expect(text).not.toContain('ward7');
    if (process.platform !== 'win32') {
      expect(statSync(join(dataDir, 'logs')).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, 'logs', 'wardline.log')).mode & 0o777).toBe(0o600);
    }
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

  it('appends to the file a previous run left; a write it cannot make does not throw, and the file comes back', () => {
    const dataDir = freshDir();
    const logs = join(dataDir, 'logs');
    const first = openLogFile(dataDir);
    first.write('run one');
    first.close();
    const second = openLogFile(dataDir, { maxBytes: 80 });
    second.write('run two');
    expect(readFileSync(join(logs, 'wardline.log'), 'utf8')).toMatch(/run one\n.*run two\n$/);
    rmSync(logs, { recursive: true, force: true }); // the folder vanishes under it
    expect(() => second.write(`needs a rotation ${'x'.repeat(60)}`)).not.toThrow(); // rename fails
    expect(() => second.write('no file to write to')).not.toThrow(); // reopen fails
    mkdirSync(logs, { recursive: true });
    second.write('back');
    second.close();
    expect(readFileSync(join(logs, 'wardline.log'), 'utf8')).toMatch(/ back\n$/);
  });
});
