/**
 * An audit entry's details as a governance lead reads them: "2 messages · copied to the clipboard
 * · NHS number given (not kept here)" instead of "messages: 2 · via: copied · nhsNumberGiven:
 * true". The exported file keeps the raw keys for IT's tools; this is only the screen.
 * A key this does not know is still shown, as "key: value", so nothing recorded is hidden.
 */
import type { AuditEntryView } from '../../../electron/common/contract.js';
import { isLockReason, type LockReason } from '../../../electron/common/lockReasons.js';

type Details = AuditEntryView['details'];
type Value = Details[string];

/** Formats an epoch-ms time for people (the screen's own date style). */
export type TimeWords = (ms: number) => string;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const LOCK_REASON_WORDS: Record<LockReason, string> = {
  idle: 'after the idle time',
  manual: 'Lock now',
  'os-lock': 'the computer was locked',
  suspend: 'the computer went to sleep',
  'user-switch': 'the computer switched to another user',
  'profile-removed': 'the profile was removed',
  'store-failed': 'the encrypted store failed',
  'window-lost': "Wardline's window stopped working",
  shutdown: 'Wardline closed',
};

const EXPORTS: Record<string, string> = {
  'note-to-clipboard': 'transcription note copied to the clipboard',
  'fhir-transcription': 'transcription saved as a FHIR file',
  'audit-log': 'this audit log',
  'incident-timeline-csv': 'incident timeline (CSV)',
  'incident-timeline-json': 'incident timeline (JSON)',
};

const VIA: Record<string, string> = { copied: 'note copied to the clipboard', 'saved-fhir': 'note saved as a FHIR file' };

const POLICY_SOURCES: Record<string, string> = { managed: 'hospital policy file', default: 'built-in defaults (no policy file)' };

const FLAGS: ReadonlySet<string> = new Set(['nhsNumberGiven', 'recordReferenceGiven', 'created', 'walTruncated']);

/** One detail in words, or null to leave it out (known flags when false, empty values). */
function phrase(key: string, value: Value, time: TimeWords): string | null {
  if (key === 'wipe' && typeof value === 'boolean') return value ? 'profile wiped, as policy requires' : 'profile kept, as policy allows';
  if (value === null || value === '') return null;
  // A flag this knows reads as nothing when false ("NHS number given" is simply not said).
  if (value === false && FLAGS.has(key)) return null;
  const n = typeof value === 'number' ? value : null;
  const s = String(value);
  switch (key) {
    case 'messages':
    case 'deleted':
      return n === null ? null : plural(n, 'message');
    case 'messageIds':
      return `message ${s.includes(',') ? 'ids' : 'id'} ${s.split(',').join(', ')}`;
    case 'conversationId':
      return `conversation #${s}`;
    case 'noteId':
      return `note ${s}`;
    case 'noteCreatedAt':
      return n === null ? null : `note written ${time(n)}`;
    case 'via':
      return VIA[s] ?? `via ${s}`;
    case 'nhsNumberGiven':
      return 'NHS number given (not kept here)';
    case 'recordReferenceGiven':
      return 'record reference given';
    case 'reason':
      return s === 'transcribed' ? 'after transcription' : `reason: ${s}`;
    case 'retractionsQueued':
      return n === null ? null : `${plural(n, 'removal request')} to the other participants`;
    case 'by':
      return `by ${s}`;
    case 'held':
      return n === null || n === 0 ? null : `${plural(n, 'held message')} from outside senders`;
    case 'incidents':
      return n === null ? null : plural(n, 'incident');
    case 'incidentEvents':
      return n === null ? null : plural(n, 'incident record');
    case 'cutoff':
      return n === null ? null : `older than ${time(n)}`;
    case 'retentionDays':
      return n === null ? null : `retention ${plural(n, 'day')}`;
    case 'walTruncated':
      return 'deleted pages overwritten';
    case 'what':
      return EXPORTS[s] ?? s;
    case 'entries':
      return n === null ? null : plural(n, 'entry', 'entries');
    case 'attempts':
      return n === null ? null : plural(n, 'wrong PIN attempt');
    case 'lastAttemptAt':
      return n === null ? null : `last ${time(n)}`;
    case 'created':
      return 'first unlock of a new profile';
    case 'source':
      return POLICY_SOURCES[s] ?? `source: ${s}`;
    case 'path':
      return s;
    case 'sha256':
      return `SHA-256 ${s.slice(0, 12)}…`;
    case 'account':
    case 'member':
      return s;
    case 'room':
      return `from ${s}`;
    case 'condition':
      return `server said: ${s}`;
    case 'fields':
      return `changed: ${s.split(',').join(', ')}`;
    default:
      return `${key}: ${s}`;
  }
}

export function auditDetailsInWords(kind: string, details: Details, time: TimeWords): string {
  if (kind === 'lock' && typeof details['reason'] === 'string') {
    const rest = Object.entries(details).filter(([key]) => key !== 'reason');
    const reason = details['reason'];
    return [isLockReason(reason) ? LOCK_REASON_WORDS[reason] : `reason: ${reason}`, ...words(rest, time)].join(' · ');
  }
  return words(Object.entries(details), time).join(' · ');
}

/**
 * The order a sentence would take: what and how many, then how and why, then which (ids), then
 * when and the rest. The store keeps keys sorted (the entry's hash covers them), which reads
 * "conversation #1 · message id 7 · 1 message".
 */
const ORDER = [
  'what', 'account', 'member', 'room', 'source', 'path', 'sha256', 'messages', 'deleted', 'held', 'incidents', 'incidentEvents', 'entries', 'attempts',
  'via', 'reason', 'by', 'condition', 'wipe', 'fields', 'created', 'nhsNumberGiven', 'recordReferenceGiven', 'retractionsQueued',
  'conversationId', 'messageIds', 'noteId', 'noteCreatedAt', 'cutoff', 'retentionDays', 'lastAttemptAt', 'walTruncated',
];
const rank = (key: string): number => {
  const at = ORDER.indexOf(key);
  return at === -1 ? ORDER.length : at;
};

function words(entries: [string, Value][], time: TimeWords): string[] {
  return [...entries]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, value]) => phrase(key, value, time))
    .filter((p): p is string => p !== null);
}
