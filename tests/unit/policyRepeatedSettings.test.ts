/**
 * A policy file that names one setting twice. JSON.parse keeps the last without a word, so IT
 * reading the file (or a reviewer diffing it) may see one value while every workstation runs on
 * another: a longer idle lock, wiping switched off. Fail closed, as for any other invalid file.
 */
import { describe, expect, it } from 'vitest';
import { loadAdminPolicy, policyFailureMessage } from '../../electron/core/policy/policyFile.js';

const file = '/etc/wardline/policy.json';
const load = (text: string) => loadAdminPolicy({ path: file, readFile: () => Promise.resolve(new TextEncoder().encode(text)) });

describe('a policy naming a setting twice', () => {
  it('is refused, naming the setting', async () => {
    const result = await load('{ "version": 1, "idleLockMinutes": 5, "wipeAfterFailures": 10, "idleLockMinutes": 60 }');
    expect(result.kind).toBe('invalid');
    expect(policyFailureMessage(result)).toContain('idleLockMinutes: appears more than once');
  });

  it('is refused inside a section, and however the name is spelt in JSON', async () => {
    const nested = await load('{ "version": 1, "incident": { "declarers": ["lead@trust.nhs.uk"], "declarers": [] } }');
    expect(nested.kind === 'invalid' && nested.problem).toMatch(/^incident\.declarers: appears more than once/);
    const escaped = await load('{ "version": 1, "wipeAfterFailures": 10, "\\u0077ipeAfterFailures": null }');
    expect(escaped.kind === 'invalid' && escaped.problem).toMatch(/^wipeAfterFailures: appears more than once/);
  });

  it('leaves same names in different sections, list entries and text alone', async () => {
    const result = await load(
      '{ "version": 1, "server": { "domain": "trust.nhs.uk", "port": 5222 }, "allowedDomains": ["port.nhs.uk", "port.nhs.uk"], ' +
        '"incident": { "announcementRoom": "mi-staff@conference.trust.nhs.uk", "coordinationRoom": "mi-coord@conference.trust.nhs.uk" }, "$schema": "say \\"port\\": twice" }',
    );
    expect(result.kind).toBe('managed');
  });
});
