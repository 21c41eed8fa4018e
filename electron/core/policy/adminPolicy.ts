/**
 * The managed admin policy (Clinical governance issue §7): one JSON file that hospital IT
 * deploys machine-wide (see policyFile.ts for where it lives and how it is loaded).
 *
 * - Strict: an unknown or misspelt key is an error, never silently ignored, because a typo in
 *   "wipeAfterFailures" must not quietly leave wiping off.
 * - Every setting except `version` may be left out; a missing setting takes today's built-in
 *   default, so a policy that says only what the hospital changes is valid.
 * - The defaults are read from the modules that own them (lock, vault, notifications) so the
 *   policy and the code cannot drift apart.
 * - docs/policy.schema.json is generated from this schema (tools/write-policy-schema.ts);
 *   a unit test fails if it is stale.
 */
import { z } from 'zod';
import type { ChatTrust } from '../chat/chatTypes.js';
import { DEFAULT_NOTIFICATION_POLICY, type NotificationPolicy } from '../notify/notificationPolicy.js';
import { minPinDigits } from '../vault/pinRules.js';
import { failuresBeforeDelay } from '../vault/unlockThrottle.js';
import { DEFAULT_LOCK_POLICY, type LockPolicy } from './lockPolicy.js';
import { valueAtPath } from '../schemaPaths.js';

export const ADMIN_POLICY_VERSION = 1;
export const ADMIN_POLICY_SCHEMA_ID = 'urn:wardline:admin-policy:1';

// One DNS label: letters, digits and inner hyphens, at most 63 characters.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** A lowercase DNS name with at least two labels ("trust.nhs.uk"), as JIDs carry them. */
const DOMAIN_NAME = new RegExp(`^(?:${LABEL}\\.)+${LABEL}$`);
// Host names may use capitals; spelt out because JSON Schema patterns take no flags.
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** A server host: a DNS name (one label allowed) or an IPv4 address. */
const HOST_NAME = new RegExp(`^(?:${HOST_LABEL}\\.)*${HOST_LABEL}$`);
/**
 * A local absolute path: "C:\..." / "C:/..." on Windows, "/..." elsewhere. UNC paths
 * (\\server\share) are refused: trust anchors must not depend on a network share being up.
 */
const LOCAL_ABSOLUTE_PATH = /^(?:[A-Za-z]:[\\/]|\/(?!\/))/;

const domainName = z
  .string()
  .max(253, { error: 'must be at most 253 characters long' })
  .regex(DOMAIN_NAME, { error: 'must be a lowercase domain name such as "trust.nhs.uk"' });

const ServerSchema = z
  .strictObject({
    domain: domainName.describe("The organisation's XMPP domain: the part after @ in everyone's Wardline address."),
    host: z
      .string()
      .max(253, { error: 'must be at most 253 characters long' })
      .regex(HOST_NAME, { error: 'must be a host name such as "xmpp.trust.nhs.uk" or an IPv4 address' })
      .optional()
      .describe('Host name of the XMPP server (or its load balancer); it overrides a host typed at sign-in. Wardline does no SRV lookup. Default: the host typed at sign-in, else the domain itself.'),
    port: z.int().min(1).max(65535).optional().describe('TCP port of the XMPP server (STARTTLS). Default: 5222.'),
  })
  .describe('The XMPP server. Leave out to use the domain of each person\'s own address.');

/** A bare XMPP address: a person (name@domain) or a room (room@conference.domain). */
const bareAddress = z
  .string()
  .max(300, { error: 'must be at most 300 characters long' })
  .regex(new RegExp(`^[a-z0-9._+-]+@(?:${LABEL}\\.)+${LABEL}$`), { error: 'must be a lowercase address such as "mi-staff@conference.trust.nhs.uk"' });

const IncidentSchema = z
  .strictObject({
    announcementRoom: bareAddress
      .optional()
      .describe(
        'Preconfigured staff announcement room (moderated: only coordinators speak). Every Wardline joins it at sign-in, ' +
          'so call-in requests reach staff without any setup; declaring an incident uses it.',
      ),
    coordinationRoom: bareAddress.optional().describe("Preconfigured coordinators' room; declaring an incident uses it."),
    declarers: z
      .array(bareAddress)
      .max(200)
      .optional()
      .describe(
        'Who may declare a major incident (or a standby or an exercise). Wardline accepts declarations from these ' +
          'addresses only: leave it out and nobody can declare, so no-one can fake an incident.',
      ),
  })
  .describe('Major-incident mode: preconfigured rooms and who may declare. See docs/INCIDENT-IT.md.');

// Brief: idle lock in minutes for IT, seconds inside the app (LockPolicy).
const DEFAULT_IDLE_LOCK_MINUTES = DEFAULT_LOCK_POLICY.idleLockSeconds / 60;

export const AdminPolicySchema = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .describe('Optional: the JSON Schema this file follows, so editors can check it. Wardline ignores it.'),
    version: z.literal(ADMIN_POLICY_VERSION).describe('Policy file format version. Must be 1.'),
    server: ServerSchema.optional(),
    caBundlePath: z
      .string()
      .regex(LOCAL_ABSOLUTE_PATH, { error: 'must be an absolute local path such as "C:\\ProgramData\\Wardline\\hospital-ca.pem"' })
      .optional()
      .describe(
        "Absolute path of a PEM file with the hospital's CA certificate(s), trusted in addition to the operating system's. " +
          'Wardline refuses to start if the file is missing, unreadable or holds no certificate.',
      ),
    caBundleSha256: z
      .string()
      .regex(/^[0-9A-Fa-f]{64}$/, { error: 'must be the SHA-256 of the CA bundle file, 64 hex digits' })
      // Get-FileHash prints upper case.
      .transform((digest) => digest.toLowerCase())
      .optional()
      .describe(
        "SHA-256 (hex, either case, as Get-FileHash prints it) of the CA bundle file's bytes. Wardline refuses to start if the file's digest differs. " +
          'Required on Windows with caBundlePath, where the pinned policy cannot vouch for who wrote the bundle.',
      ),
    idleLockMinutes: z
      .int()
      .min(1)
      .max(60)
      .default(DEFAULT_IDLE_LOCK_MINUTES)
      .describe('Lock Wardline after this many minutes without keyboard or mouse use. People may choose a shorter time, never a longer one.'),
    pinMinLength: z
      .int()
      .min(6)
      .max(64)
      .default(minPinDigits)
      .describe('Fewest digits a new PIN may have.'),
    delayAfterFailures: z
      .int()
      .min(3)
      .max(20)
      .default(failuresBeforeDelay)
      .describe('Wrong PINs allowed before each further attempt has to wait (30 s, doubling, at most 15 minutes).'),
    wipeAfterFailures: z
      .union([z.null(), z.int().min(5).max(50)])
      .default(null)
      .describe(
        "Erase the person's Wardline profile on this workstation after this many wrong PINs in a row. null = never. " +
          'Must be greater than delayAfterFailures.',
      ),
    retentionDays: z
      .int()
      .min(1)
      .max(3650)
      .default(30)
      .describe('Delete messages from the workstation after this many days. Match it to the server archive expiry.'),
    eraseDormantProfilesAfterDays: z
      .union([z.null(), z.int().min(7).max(3650)])
      .default(null)
      .describe(
        'Erase a Wardline profile (its messages, audit log and keychain entry) from the workstation when nobody has unlocked ' +
          'or locked it for this many days, e.g. a leaver. Retention only runs while a profile is open. null = never.',
      ),
    notificationMode: z
      .enum(['private', 'sender-only'])
      .default(DEFAULT_NOTIFICATION_POLICY.content)
      .describe(
        'What operating-system notifications may show. "private": only "New message" / "Urgent message". ' +
          '"sender-only": also who sent it. Message text is never shown. People may choose "private" when this is "sender-only".',
      ),
    urgentReminderMinutes: z
      .int()
      .min(1)
      .max(60)
      .default(DEFAULT_NOTIFICATION_POLICY.urgentIntervalMs / 60_000)
      .describe('Notify an unread urgent message again every this many minutes.'),
    urgentMaxReminders: z
      .int()
      .min(0)
      .max(20)
      .default(DEFAULT_NOTIFICATION_POLICY.urgentMaxReminders)
      .describe('Remind about one unread urgent message at most this many times after the first notification. 0 = no reminders.'),
    contentProtection: z
      .boolean()
      .default(true)
      .describe("Hide Wardline's window from screenshots, screen recording and screen sharing (Windows and macOS)."),
    privacyBlur: z
      .boolean()
      .default(false)
      .describe('Blur message content on screen so passers-by cannot read it at a glance. When true, people cannot turn it off; when false, they may turn it on.'),
    conversationPreviews: z
      .boolean()
      .default(true)
      .describe(
        'Show the start of the newest message under each conversation in the list (NHS numbers masked when ' +
          'maskPatientIdentifiers applies). false: titles, counts and times only, e.g. where patients and visitors can see the screen.',
      ),
    allowedDomains: z
      .array(domainName)
      .max(100)
      .default(() => [])
      .describe(
        'Other organisations whose people are trusted colleagues (subdomains included). Messages from any other domain ' +
          "wait until the person accepts them. The organisation's own domain is always trusted.",
      ),
    maskPatientIdentifiers: z
      .enum(['never', 'shared-displays', 'always'])
      .default('never')
      .describe(
        'Mask NHS numbers on screen. "shared-displays": on control-room and other shared-display profiles only. "always": everywhere.',
      ),
    wipeOnRevocation: z
      .boolean()
      .default(false)
      .describe("Erase a person's Wardline profile on this workstation when the server reports their account was revoked."),
    incident: IncidentSchema.optional(),
    displayExemptFromIdleLock: z
      .boolean()
      .default(false)
      .describe(
        'Major-incident control-room display profiles do not lock when idle. Only for screens in a controlled room; ' +
          'those profiles never show patient data.',
      ),
  })
  .superRefine((policy, ctx) => {
    // Wiping before the delays start would let a few mistyped PINs erase a profile.
    const { wipeAfterFailures: wipe, delayAfterFailures: delay } = policy;
    if (typeof wipe === 'number' && typeof delay === 'number' && wipe <= delay) {
      ctx.addIssue({
        code: 'custom',
        path: ['wipeAfterFailures'],
        message: `must be greater than delayAfterFailures (${delay})`,
      });
    }
  })
  .meta({
    title: 'Wardline managed policy',
    description:
      'Machine-wide settings that hospital IT sets for Wardline. Windows: C:\\ProgramData\\Wardline\\policy.json (pinned by SHA-256 in the registry); ' +
      'macOS: /Library/Application Support/Wardline/policy.json; Linux: /etc/wardline/policy.json. ' +
      'Unknown keys are errors. Leave a setting out to use its default. If the file exists but is invalid, Wardline does not start.',
  });

/** A policy as parsed: every setting filled in (defaults for the ones the file left out). */
export type AdminPolicy = z.output<typeof AdminPolicySchema>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** No managed policy: today's built-in behaviour. */
export const DEFAULT_ADMIN_POLICY: Readonly<AdminPolicy> = deepFreeze(AdminPolicySchema.parse({ version: ADMIN_POLICY_VERSION }));

/** The published JSON Schema (docs/policy.schema.json), generated from AdminPolicySchema. */
export function adminPolicyJsonSchema(): Record<string, unknown> {
  // 'input': what IT writes, so settings with defaults are optional in the published schema.
  const { $schema, ...rest } = z.toJSONSchema(AdminPolicySchema, { io: 'input', target: 'draft-2020-12' });
  return { $schema, $id: ADMIN_POLICY_SCHEMA_ID, ...rest };
}

// ---- Problems, in words hospital IT can act on ------------------------------------------

const MAX_LISTED_ISSUES = 3;

function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  return out;
}

function expectedWords(expected: string): string {
  switch (expected) {
    case 'int':
    case 'number':
      // Every number in the policy is a whole number.
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'text in double quotes';
    case 'array':
      return 'a list [ ... ]';
    case 'object':
      return 'an object { ... }';
    default:
      return expected;
  }
}

function issueWords(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.path.length > 0 && valueAtPath(input, issue.path) === undefined) return 'is required';
      if (issue.path.length === 0) return `the file must contain ${expectedWords(issue.expected)}`;
      return `must be ${expectedWords(issue.expected)}`;
    case 'too_big':
      if (issue.origin === 'array') return `must list at most ${String(issue.maximum)} entries`;
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters long`;
      return `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${String(issue.minimum)} entries`;
      if (issue.origin === 'string') return `must be at least ${String(issue.minimum)} characters long`;
      return `must be at least ${String(issue.minimum)}`;
    case 'unrecognized_keys':
      return `${issue.keys.length === 1 ? 'unknown setting' : 'unknown settings'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      return `${valueAtPath(input, issue.path) === undefined ? 'is required and must be' : 'must be'} ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_union':
      // The unions are null-or-number (wipeAfterFailures, eraseDormantProfilesAfterDays). A number out of range is reported by its branch
      // ("must be at least 5"); this is for the wrong type altogether.
      return 'must be null or a whole number';
    default:
      // invalid_format (our regex messages) and custom (our refinement) carry our own words.
      return issue.message;
  }
}

/** "path: problem" for each of the first few settings at fault (one problem per setting), in one sentence. */
export function describePolicyIssues(allIssues: readonly z.core.$ZodIssue[], input: unknown): string {
  const seen = new Set<string>();
  const issues = allIssues.filter((issue) => {
    // unrecognized_keys sits on the parent's path; keep it apart from that object's own problems.
    const key = `${issue.code === 'unrecognized_keys' ? '+' : ''}${jsonPath(issue.path)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const where = jsonPath(issue.path);
    const words = issueWords(issue, input);
    return where === '' ? words : `${where}: ${words}`;
  });
  const more = issues.length - listed.length;
  if (more > 0) listed.push(`and ${more} more ${more === 1 ? 'problem' : 'problems'}`);
  return listed.join('; ');
}

export type AdminPolicyParse = { ok: true; policy: AdminPolicy } | { ok: false; problem: string };

/** Validates parsed JSON; the problem names the first few settings at fault. */
export function parseAdminPolicy(input: unknown): AdminPolicyParse {
  const result = AdminPolicySchema.safeParse(input);
  if (result.success) return { ok: true, policy: result.data };
  return { ok: false, problem: describePolicyIssues(result.error.issues, input) };
}

// ---- Mapping onto the types the rest of the core already uses ---------------------------

export function toLockPolicy(policy: AdminPolicy): LockPolicy {
  return {
    idleLockSeconds: policy.idleLockMinutes * 60,
    wipeAfterFailedUnlocks: policy.wipeAfterFailures,
    pinMinLength: policy.pinMinLength,
    delayAfterFailures: policy.delayAfterFailures,
  };
}

export function toNotificationPolicy(policy: AdminPolicy): NotificationPolicy {
  return {
    content: policy.notificationMode,
    urgentIntervalMs: policy.urgentReminderMinutes * 60_000,
    urgentMaxReminders: policy.urgentMaxReminders,
  };
}

/** `caBundlePem`: the bundle's text as the policy load checked it, so what was checked is what is trusted. */
export function toChatTrust(policy: AdminPolicy, caBundlePem?: string): ChatTrust {
  const trustedDomains = [...policy.allowedDomains];
  if (caBundlePem !== undefined) return { adminCa: { pem: caBundlePem }, trustedDomains };
  return policy.caBundlePath === undefined ? { trustedDomains } : { adminCa: { paths: [policy.caBundlePath] }, trustedDomains };
}

// A person's own settings may only be stricter than the policy. Today the only one is the idle
// lock, capped by effectiveIdleLimit in ../session/autoLock.ts.
