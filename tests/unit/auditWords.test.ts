// The audit log's details column as people read it (renderer/src/lib/auditWords.ts).
import { describe, expect, it } from 'vitest';
import { auditDetailsInWords } from '../../renderer/src/lib/auditWords.js';
import { LOCK_REASONS } from '../../electron/common/lockReasons.js';

const time = (ms: number) => `T${ms}`;

describe('auditDetailsInWords', () => {
  it('says what a transcription recorded, without the stored keys, and never a false flag', () => {
    const words = auditDetailsInWords(
      'transcription',
      { conversationId: 4, messages: 2, messageIds: '11,12', via: 'saved-fhir', noteId: 'a2f2b8dc', noteCreatedAt: 1000, nhsNumberGiven: true, recordReferenceGiven: false },
      time,
    );
    expect(words).toBe('2 messages · note saved as a FHIR file · NHS number given (not kept here) · conversation #4 · message ids 11, 12 · note a2f2b8dc · note written T1000');
  });

  it('says whom the person took out of which room', () => {
    expect(auditDetailsInWords('room-member-removed', { room: 'ward7@rooms.trust.example', member: 'bob@trust.example' }, time)).toBe(
      'bob@trust.example · from ward7@rooms.trust.example',
    );
  });

  it('names each lock reason and export in words', () => {
    expect(auditDetailsInWords('lock', { reason: 'idle' }, time)).toBe('after the idle time');
    expect(auditDetailsInWords('lock', { reason: 'os-lock' }, time)).toBe('the computer was locked');
    expect(auditDetailsInWords('lock', { reason: 'window-lost' }, time)).toBe("Wardline's window stopped working");
    for (const reason of LOCK_REASONS) expect(auditDetailsInWords('lock', { reason }, time)).not.toMatch(/^reason:/);
    expect(auditDetailsInWords('lock', { reason: 'constructor' }, time)).toBe('reason: constructor');
    expect(auditDetailsInWords('export', { what: 'audit-log', entries: 1 }, time)).toBe('this audit log · 1 entry');
    expect(auditDetailsInWords('export', { what: 'incident-timeline-csv' }, time)).toBe('incident timeline (CSV)');
  });

  it('says what retention deleted, and whether revocation wiped the profile either way', () => {
    expect(auditDetailsInWords('retention-purge', { deleted: 1, incidents: 0, incidentEvents: 0, cutoff: 5, retentionDays: 30, walTruncated: true }, time)).toBe(
      '1 message · 0 incidents · 0 incident records · older than T5 · retention 30 days · deleted pages overwritten',
    );
    expect(auditDetailsInWords('retention-purge', { deleted: 0, held: 2, incidents: 0, incidentEvents: 0, cutoff: 5, retentionDays: 30, walTruncated: false }, time)).toBe(
      '0 messages · 2 held messages from outside senders · 0 incidents · 0 incident records · older than T5 · retention 30 days',
    );
    expect(auditDetailsInWords('account-revoked', { condition: 'not-authorized', wipe: false }, time)).toBe('server said: not-authorized · profile kept, as policy allows');
    expect(auditDetailsInWords('account-revoked', { condition: 'not-authorized', wipe: true }, time)).toBe('server said: not-authorized · profile wiped, as policy requires');
  });

  it('reads in sentence order whatever order the keys are stored in', () => {
    expect(auditDetailsInWords('deletion', { conversationId: 1, messageIds: '7', messages: 1, reason: 'transcribed', retractionsQueued: 1 }, time)).toBe(
      '1 message · after transcription · 1 removal request to the other participants · conversation #1 · message id 7',
    );
  });

  it('still shows a detail it has no words for, and an unknown lock reason, as recorded', () => {
    expect(auditDetailsInWords('lock', { reason: 'meteor' }, time)).toBe('reason: meteor');
    expect(auditDetailsInWords('sign-in', { account: 'amy@trust.test', newThing: 3, newFlag: false }, time)).toBe('amy@trust.test · newThing: 3 · newFlag: false');
  });

  it('shortens the policy file fingerprint and says where the policy came from', () => {
    expect(auditDetailsInWords('policy-load', { source: 'managed', path: '/etc/wardline/policy.json', sha256: 'ab'.repeat(32), retentionDays: 30 }, time)).toBe(
      'hospital policy file · /etc/wardline/policy.json · SHA-256 abababababab… · retention 30 days',
    );
  });
});
