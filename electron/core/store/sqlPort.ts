/**
 * The store's own narrow view of a synchronous SQLite connection. The message
 * store is written against this port, not against a binding, so the SQLCipher
 * binding can be swapped (and the benchmark can run the very same store code
 * over plain SQLite as a baseline).
 */
export type SqlValue = string | number | null | Uint8Array;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;
export type SqlRow = Record<string, SqlValue>;

export interface SqlRunResult {
  changes: number;
  lastInsertRowid: number;
}

export interface SqlStatement {
  run(params?: SqlParams): SqlRunResult;
  get(params?: SqlParams): SqlRow | undefined;
  all(params?: SqlParams): SqlRow[];
}

export interface SqlDatabase {
  exec(sql: string): void;
  /** Statements are cached by the adapter; callers may prepare freely. */
  prepare(sql: string): SqlStatement;
  /** Runs fn inside BEGIN/COMMIT (SAVEPOINT when nested), rolling back on throw. */
  transaction<T>(fn: () => T): T;
  /** `PRAGMA <source>` returning the first column of the first row. */
  pragmaValue(source: string): SqlValue | undefined;
  close(): void;
}
