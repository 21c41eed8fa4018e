/**
 * Typed store failures. They cross the worker boundary as plain data
 * ({ kind, message }) and are rebuilt as StoreError on the calling side.
 */
export type StoreErrorKind =
  /** SQLCipher could not decrypt page 1: the key is wrong or the file is not ours. */
  | 'wrong-key-or-not-wardline'
  /** The file decrypts but its pages are damaged. */
  | 'corrupt'
  /** Written by a newer Wardline: we refuse rather than guess at its schema. */
  | 'newer-schema'
  /** open({ create: false }) and there is no database at the path. */
  | 'missing'
  | 'invalid-argument'
  | 'closed'
  | 'io'
  | 'internal';

const defaultMessages: Record<StoreErrorKind, string> = {
  'wrong-key-or-not-wardline': 'Wrong key or not a Wardline database.',
  corrupt: 'The Wardline database is damaged and cannot be read.',
  'newer-schema': 'This database was written by a newer version of Wardline.',
  missing: 'There is no Wardline database at this location.',
  'invalid-argument': 'Invalid store request.',
  closed: 'The store is closed.',
  io: 'The Wardline database could not be read or written.',
  internal: 'Internal store error.',
};

export interface StoreErrorData {
  kind: StoreErrorKind;
  message: string;
}

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string = defaultMessages[kind],
  ) {
    super(message);
    this.name = 'StoreError';
  }

  toData(): StoreErrorData {
    return { kind: this.kind, message: this.message };
  }
}

const sqliteCodeKinds: ReadonlyArray<readonly [string, StoreErrorKind]> = [
  ['SQLITE_NOTADB', 'wrong-key-or-not-wardline'],
  ['SQLITE_CORRUPT', 'corrupt'],
  ['SQLITE_CONSTRAINT', 'invalid-argument'],
  ['SQLITE_CANTOPEN', 'io'],
  ['SQLITE_IOERR', 'io'],
  ['SQLITE_FULL', 'io'],
  ['SQLITE_READONLY', 'io'],
  ['SQLITE_PERM', 'io'],
];

/**
 * Maps whatever a binding threw to a StoreError. SQLite messages can quote SQL
 * but never row values, so keeping the text is safe; the code decides the kind.
 * Once the key has been verified, "not a database" can only mean a damaged page.
 */
export function toStoreError(error: unknown, phase: 'opening' | 'open' = 'open'): StoreError {
  if (error instanceof StoreError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const match = sqliteCodeKinds.find(([prefix]) => code.startsWith(prefix) || message.includes(prefix));
  if (match === undefined) return new StoreError('internal', message);
  if (match[1] === 'wrong-key-or-not-wardline' && phase === 'open') return new StoreError('corrupt');
  return new StoreError(match[1]);
}
