/**
 * The hash-chained audit log: each row's hash covers the previous row's hash and its own
 * content, so editing or removing a row in the middle breaks the chain. Metadata only.
 */
import { createHash } from 'node:crypto';
import { readNumber, readString } from './rowReaders.js';
import type { SqlDatabase } from './sqlPort.js';
import type { StatementCache } from './statementCache.js';
import { requireText } from './storeArguments.js';
import type { AuditEntry, AuditEntryInput } from './storeTypes.js';

const genesisHash = '0'.repeat(64);

/** Appends one entry; inside the caller's transaction if there is one. */
export function appendAuditEntry(db: SqlDatabase, statements: StatementCache, input: AuditEntryInput): AuditEntry {
  requireText(input.kind, 'kind');
  requireText(input.actor, 'actor');
  return db.transaction(() => {
    const last = statements.get(`SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1`).get();
    const prevHash = last === undefined ? genesisHash : readString(last, 'hash');
    const details = canonicalJson(input.details);
    const hash = auditHash(prevHash, input.at, input.kind, input.actor, details);
    const { lastInsertRowid } = statements
      .get(`INSERT INTO audit_log (at, kind, actor, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)`)
      .run([input.at, input.kind, input.actor, details, prevHash, hash]);
    return { ...input, seq: lastInsertRowid, prevHash, hash };
  });
}

/** True when every row's hash matches its content and its predecessor. */
export function verifyAuditChain(statements: StatementCache): boolean {
  let prevHash = genesisHash;
  for (const row of statements.get(`SELECT at, kind, actor, details, prev_hash, hash FROM audit_log ORDER BY seq`).all()) {
    const expected = auditHash(prevHash, readNumber(row, 'at'), readString(row, 'kind'), readString(row, 'actor'), readString(row, 'details'));
    if (readString(row, 'prev_hash') !== prevHash || readString(row, 'hash') !== expected) return false;
    prevHash = expected;
  }
  return true;
}

function auditHash(prevHash: string, at: number, kind: string, actor: string, details: string): string {
  return createHash('sha256').update(JSON.stringify([prevHash, at, kind, actor, details])).digest('hex');
}

function canonicalJson(details: AuditEntryInput['details']): string {
  return JSON.stringify(Object.fromEntries(Object.entries(details).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
