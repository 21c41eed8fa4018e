// The managed admin policy schema (governance issue §7): defaults, every setting's bounds, strictness,
// the mappings onto the lock/notification/chat types, the stricter-only helpers, and the published
// JSON Schema in docs/ staying in step with the zod schema.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  AdminPolicySchema,
  DEFAULT_ADMIN_POLICY,
  adminPolicyJsonSchema,
  parseAdminPolicy,
  toChatTrust,
  toLockPolicy,
  toNotificationPolicy,
  type AdminPolicy,
} from '../../electron/core/policy/adminPolicy.js';
import { DEFAULT_LOCK_POLICY } from '../../electron/core/policy/lockPolicy.js';
import { DEFAULT_NOTIFICATION_POLICY } from '../../electron/core/notify/notificationPolicy.js';
import { effectiveIdleLimit } from '../../electron/core/session/autoLock.js';

const docs = new URL('../../docs/', import.meta.url);

function policy(extra: Record<string, unknown>): AdminPolicy {
  const result = parseAdminPolicy({ version: 1, ...extra });
  if (!result.ok) throw new Error(`expected a valid policy, got: ${result.problem}`);
  return result.policy;
}

function problem(input: unknown): string {
  const result = parseAdminPolicy(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return result.problem;
}

describe('defaults', () => {
  it('are today\'s built-in behaviour', () => {
    expect(DEFAULT_ADMIN_POLICY).toEqual({
      version: 1,
      idleLockMinutes: 5,
      pinMinLength: 6,
      delayAfterFailures: 5,
      wipeAfterFailures: null,
      retentionDays: 30,
      eraseDormantProfilesAfterDays: null,
      notificationMode: 'private',
      urgentReminderMinutes: 2,
      urgentMaxReminders: 5,
      contentProtection: true,
      conversationPreviews: true,
      privacyBlur: false,
      allowedDomains: [],
      maskPatientIdentifiers: 'never',
      wipeOnRevocation: false,
      displayExemptFromIdleLock: false,
    });
  });

  it('are frozen all the way down', () => {
    expect(Object.isFrozen(DEFAULT_ADMIN_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_ADMIN_POLICY.allowedDomains)).toBe(true);
  });

  it('map onto the existing lock, notification and chat defaults', () => {
    expect(toLockPolicy(DEFAULT_ADMIN_POLICY)).toEqual(DEFAULT_LOCK_POLICY);
    expect(toNotificationPolicy(DEFAULT_ADMIN_POLICY)).toEqual(DEFAULT_NOTIFICATION_POLICY);
    expect(toChatTrust(DEFAULT_ADMIN_POLICY)).toEqual({ trustedDomains: [] });
  });

  it('fill in whatever a policy leaves out', () => {
    expect(policy({})).toEqual(DEFAULT_ADMIN_POLICY);
    expect(policy({ idleLockMinutes: 2 })).toEqual({ ...DEFAULT_ADMIN_POLICY, idleLockMinutes: 2 });
  });

  it('parsing never shares the default list between policies', () => {
    const a = policy({});
    a.allowedDomains.push('mutated.example');
    expect(policy({}).allowedDomains).toEqual([]);
  });
});

describe('validation', () => {
  it('accepts the published example', async () => {
    const example: unknown = JSON.parse(await readFile(new URL('policy.example.json', docs), 'utf8'));
    const parsed = AdminPolicySchema.parse(example);
    expect(parsed.wipeAfterFailures).toBe(15);
    expect(parsed.server).toEqual({ domain: 'trust.nhs.uk', host: 'xmpp.trust.nhs.uk', port: 5222 });
    expect(parsed.incident?.declarers).toEqual(['site.manager@trust.nhs.uk', 'ed.consultant.oncall@trust.nhs.uk']);
  });

  it('needs version 1', () => {
    expect(problem({})).toBe('version: is required and must be 1');
    expect(problem({ version: 2 })).toBe('version: must be 1');
    expect(problem({ version: '1' })).toBe('version: must be 1');
  });

  it('needs a JSON object', () => {
    for (const input of [null, [], 'policy', 1]) expect(problem(input)).toBe('the file must contain an object { ... }');
  });

  const ranges: Array<[field: string, min: number, max: number]> = [
    ['idleLockMinutes', 1, 60],
    ['pinMinLength', 6, 64],
    ['delayAfterFailures', 3, 20],
    ['retentionDays', 1, 3650],
    ['urgentReminderMinutes', 1, 60],
    ['urgentMaxReminders', 0, 20],
  ];
  it.each(ranges)('%s: whole numbers from %i to %i', (field, min, max) => {
    expect(policy({ [field]: min })[field as keyof AdminPolicy]).toBe(min);
    expect(policy({ [field]: max })[field as keyof AdminPolicy]).toBe(max);
    expect(problem({ version: 1, [field]: min - 1 })).toBe(`${field}: must be at least ${min}`);
    expect(problem({ version: 1, [field]: max + 1 })).toBe(`${field}: must be at most ${max}`);
    expect(problem({ version: 1, [field]: min + 0.5 })).toBe(`${field}: must be a whole number`);
    expect(problem({ version: 1, [field]: String(min) })).toBe(`${field}: must be a whole number`);
    expect(problem({ version: 1, [field]: null })).toBe(`${field}: must be a whole number`);
  });

  it('wipeAfterFailures: null (never) or 5..50, and more than delayAfterFailures', () => {
    expect(policy({ wipeAfterFailures: null }).wipeAfterFailures).toBeNull();
    expect(policy({ wipeAfterFailures: 6 }).wipeAfterFailures).toBe(6);
    expect(policy({ wipeAfterFailures: 50, delayAfterFailures: 20 }).wipeAfterFailures).toBe(50);
    expect(problem({ version: 1, wipeAfterFailures: 4, delayAfterFailures: 3 })).toBe('wipeAfterFailures: must be at least 5');
    expect(problem({ version: 1, wipeAfterFailures: 51 })).toBe('wipeAfterFailures: must be at most 50');
    expect(problem({ version: 1, wipeAfterFailures: 'never' })).toBe('wipeAfterFailures: must be null or a whole number');
    expect(problem({ version: 1, wipeAfterFailures: 0 })).toBe('wipeAfterFailures: must be at least 5');
  });

  it('eraseDormantProfilesAfterDays: null (never) or 7..3650 days', () => {
    expect(policy({}).eraseDormantProfilesAfterDays).toBeNull();
    expect(policy({ eraseDormantProfilesAfterDays: 90 }).eraseDormantProfilesAfterDays).toBe(90);
    expect(problem({ version: 1, eraseDormantProfilesAfterDays: 6 })).toBe('eraseDormantProfilesAfterDays: must be at least 7');
    expect(problem({ version: 1, eraseDormantProfilesAfterDays: 3651 })).toBe('eraseDormantProfilesAfterDays: must be at most 3650');
    expect(problem({ version: 1, eraseDormantProfilesAfterDays: '90d' })).toBe('eraseDormantProfilesAfterDays: must be null or a whole number');
  });

  it('refuses wiping at or before the point where delays start', () => {
    expect(problem({ version: 1, wipeAfterFailures: 5 })).toBe('wipeAfterFailures: must be greater than delayAfterFailures (5)');
    expect(problem({ version: 1, wipeAfterFailures: 10, delayAfterFailures: 10 })).toBe('wipeAfterFailures: must be greater than delayAfterFailures (10)');
    expect(problem({ version: 1, wipeAfterFailures: 8, delayAfterFailures: 12 })).toBe('wipeAfterFailures: must be greater than delayAfterFailures (12)');
    expect(policy({ wipeAfterFailures: 11, delayAfterFailures: 10 }).wipeAfterFailures).toBe(11);
  });

  it.each(['contentProtection', 'privacyBlur', 'wipeOnRevocation', 'displayExemptFromIdleLock'])('%s: true or false only', (field) => {
    expect(policy({ [field]: true })[field as keyof AdminPolicy]).toBe(true);
    expect(policy({ [field]: false })[field as keyof AdminPolicy]).toBe(false);
    expect(problem({ version: 1, [field]: 'true' })).toBe(`${field}: must be true or false`);
    expect(problem({ version: 1, [field]: 1 })).toBe(`${field}: must be true or false`);
  });

  it('notificationMode: private or sender-only', () => {
    expect(policy({ notificationMode: 'sender-only' }).notificationMode).toBe('sender-only');
    expect(problem({ version: 1, notificationMode: 'full' })).toBe('notificationMode: must be "private" or "sender-only"');
  });

  it('maskPatientIdentifiers: never, shared-displays or always', () => {
    for (const mode of ['never', 'shared-displays', 'always']) expect(policy({ maskPatientIdentifiers: mode }).maskPatientIdentifiers).toBe(mode);
    expect(problem({ version: 1, maskPatientIdentifiers: true })).toBe('maskPatientIdentifiers: must be "never" or "shared-displays" or "always"');
  });

  it('allowedDomains: lowercase domain names', () => {
    expect(policy({ allowedDomains: ['nhs.net', 'a-b.trust.nhs.uk', 'x1.example'] }).allowedDomains).toEqual(['nhs.net', 'a-b.trust.nhs.uk', 'x1.example']);
    for (const bad of ['Trust.nhs.uk', 'localhost', 'trust.nhs.uk.', '-trust.nhs.uk', 'trust..uk', 'user@trust.nhs.uk', ' trust.nhs.uk', '*.nhs.uk', `${'a'.repeat(64)}.uk`]) {
      expect(problem({ version: 1, allowedDomains: [bad] }), bad).toBe('allowedDomains[0]: must be a lowercase domain name such as "trust.nhs.uk"');
    }
    expect(problem({ version: 1, allowedDomains: 'nhs.net' })).toBe('allowedDomains: must be a list [ ... ]');
    expect(problem({ version: 1, allowedDomains: Array.from({ length: 101 }, (_, i) => `d${i}.example`) })).toBe(
      'allowedDomains: must list at most 100 entries',
    );
  });

  it('server: a domain, and optionally a host and port', () => {
    expect(policy({ server: { domain: 'trust.nhs.uk' } }).server).toEqual({ domain: 'trust.nhs.uk' });
    expect(policy({ server: { domain: 'trust.nhs.uk', host: 'XMPP01', port: 65535 } }).server).toEqual({ domain: 'trust.nhs.uk', host: 'XMPP01', port: 65535 });
    expect(policy({ server: { domain: 'trust.nhs.uk', host: '10.2.3.4', port: 1 } }).server?.host).toBe('10.2.3.4');
    expect(problem({ version: 1, server: { host: 'xmpp.trust.nhs.uk' } })).toBe('server.domain: is required');
    expect(problem({ version: 1, server: { domain: 'trust.nhs.uk', port: 0 } })).toBe('server.port: must be at least 1');
    expect(problem({ version: 1, server: { domain: 'trust.nhs.uk', port: 65536 } })).toBe('server.port: must be at most 65535');
    expect(problem({ version: 1, server: { domain: 'trust.nhs.uk', host: 'xmpp trust' } })).toBe(
      'server.host: must be a host name such as "xmpp.trust.nhs.uk" or an IPv4 address',
    );
    expect(problem({ version: 1, server: 'xmpp.trust.nhs.uk' })).toBe('server: must be an object { ... }');
  });

  it('caBundlePath: an absolute local path', () => {
    for (const ok of ['C:\\ProgramData\\Wardline\\ca.pem', 'D:/pki/ca.pem', '/etc/wardline/ca.pem']) expect(policy({ caBundlePath: ok }).caBundlePath).toBe(ok);
    for (const bad of ['ca.pem', './ca.pem', '..\\ca.pem', '\\\\fileserver\\pki\\ca.pem', '//fileserver/pki/ca.pem', 'C:ca.pem', '']) {
      expect(problem({ version: 1, caBundlePath: bad }), bad).toBe(
        'caBundlePath: must be an absolute local path such as "C:\\ProgramData\\Wardline\\hospital-ca.pem"',
      );
    }
  });

  it('refuses unknown keys, at the top and inside server', () => {
    expect(problem({ version: 1, wipeAfterFailure: 10 })).toBe('unknown setting "wipeAfterFailure"');
    expect(problem({ version: 1, idleLockSeconds: 60, allowPlain: true })).toBe('unknown settings "idleLockSeconds", "allowPlain"');
    expect(problem({ version: 1, server: { domain: 'trust.nhs.uk', tls: false } })).toBe('server: unknown setting "tls"');
  });

  it('accepts a $schema pointer for editors', () => {
    expect(policy({ $schema: './policy.schema.json' }).$schema).toBe('./policy.schema.json');
  });

  it('names at most three problems, one per setting, then counts the rest', () => {
    expect(problem({ version: 1, idleLockMinutes: 0, pinMinLength: 0, retentionDays: 0, urgentMaxReminders: -1, privacyBlur: 'yes' })).toBe(
      'idleLockMinutes: must be at least 1; pinMinLength: must be at least 6; retentionDays: must be at least 1; and 2 more problems',
    );
    expect(problem({ version: 1, idleLockMinutes: 0, pinMinLength: 0, retentionDays: 0, urgentMaxReminders: -1 })).toMatch(/; and 1 more problem$/);
  });
});

describe('mappings', () => {
  const managed = policy({
    idleLockMinutes: 2,
    pinMinLength: 8,
    delayAfterFailures: 4,
    wipeAfterFailures: 10,
    notificationMode: 'sender-only',
    urgentReminderMinutes: 5,
    urgentMaxReminders: 0,
    caBundlePath: '/etc/wardline/ca.pem',
    allowedDomains: ['nhs.net'],
  });

  it('toLockPolicy: minutes become seconds', () => {
    expect(toLockPolicy(managed)).toEqual({ idleLockSeconds: 120, wipeAfterFailedUnlocks: 10, pinMinLength: 8, delayAfterFailures: 4 });
  });

  it('toNotificationPolicy: minutes become milliseconds', () => {
    expect(toNotificationPolicy(managed)).toEqual({ content: 'sender-only', urgentIntervalMs: 300_000, urgentMaxReminders: 0 });
  });

  it('toChatTrust: the CA bundle path and the trusted domains (a copy)', () => {
    const trust = toChatTrust(managed);
    expect(trust).toEqual({ adminCa: { paths: ['/etc/wardline/ca.pem'] }, trustedDomains: ['nhs.net'] });
    expect(trust.trustedDomains).not.toBe(managed.allowedDomains);
    // With the text the policy load checked, that text is trusted, never the file read again.
    expect(toChatTrust(managed, 'PEM TEXT')).toEqual({ adminCa: { pem: 'PEM TEXT' }, trustedDomains: ['nhs.net'] });
  });
});

describe('a person may only be stricter than the policy', () => {
  it('idle lock: effectiveIdleLimit on the policy\'s seconds', () => {
    const max = toLockPolicy(policy({ idleLockMinutes: 10 })).idleLockSeconds;
    expect(effectiveIdleLimit(max, null)).toBe(600);
    expect(effectiveIdleLimit(max, 120)).toBe(120);
    expect(effectiveIdleLimit(max, 3600)).toBe(600);
  });
});

describe('docs/policy.schema.json', () => {
  it('is what tools/write-policy-schema.ts generates now (run it after changing the schema)', async () => {
    const published: unknown = JSON.parse(await readFile(new URL('policy.schema.json', docs), 'utf8'));
    expect(published).toEqual(adminPolicyJsonSchema());
  });

  it('incident: bare addresses; rooms and declarers each optional (no declarers: nobody may declare)', () => {
    const rooms = { announcementRoom: 'mi-staff@conference.trust.nhs.uk', coordinationRoom: 'mi-coord@conference.trust.nhs.uk' };
    expect(parseAdminPolicy({ version: 1, incident: rooms })).toMatchObject({ ok: true, policy: { incident: rooms } });
    expect(parseAdminPolicy({ version: 1, incident: { ...rooms, declarers: ['lead@trust.nhs.uk'] } }).ok).toBe(true);
    const bad = parseAdminPolicy({ version: 1, incident: { ...rooms, announcementRoom: 'mi-staff@conference.trust.nhs.uk/nick' } });
    expect(bad).toMatchObject({ ok: false, problem: expect.stringMatching(/incident\.announcementRoom/) });
    expect(parseAdminPolicy({ version: 1, incident: { declarers: ['lead@trust.nhs.uk'] } }).ok).toBe(true);
    expect(parseAdminPolicy({ version: 1, incident: { declarers: ['Lead@trust.nhs.uk'] } }).ok).toBe(false);
    expect(parseAdminPolicy({ version: 1, incident: { declarers: ['lead@trust.nhs.uk'], extra: true } }).ok).toBe(false);
  });

  it('is strict, needs only version, and explains every setting', () => {
    const schema = adminPolicyJsonSchema() as {
      $id: string;
      title: string;
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, { description?: string; properties?: Record<string, { description?: string }>; additionalProperties?: boolean }>;
    };
    expect(schema.$id).toBe('urn:wardline:admin-policy:1');
    expect(schema.title).toBe('Wardline managed policy');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['version']);
    expect(schema.properties['server']?.additionalProperties).toBe(false);
    const described = Object.entries(schema.properties).flatMap(([name, property]) => [
      [name, property.description],
      ...Object.entries(property.properties ?? {}).map(([inner, p]) => [`${name}.${inner}`, p.description]),
    ]);
    for (const [name, description] of described) expect(description, name).toMatch(/\w{3}/);
    expect(Object.keys(schema.properties).sort()).toEqual(['$schema', ...Object.keys(DEFAULT_ADMIN_POLICY), 'caBundlePath', 'caBundleSha256', 'incident', 'server'].sort());
  });
});
