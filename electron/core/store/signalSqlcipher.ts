/**
 * Adapter from @signalapp/sqlcipher (Signal Desktop's binding: N-API, prebuilt
 * for win32/darwin/linux) to our SqlDatabase port. This is the only module that
 * imports the binding.
 */
import Database from '@signalapp/sqlcipher';
import type { SqlDatabase, SqlParams, SqlRow, SqlRunResult, SqlStatement, SqlValue } from './sqlPort.js';
import { checkStoreFiles } from './sqlcipherFileCheck.js';
import { StoreError, toStoreError } from './storeErrors.js';

const rawKeyPattern = /^[0-9a-f]{64}$/i;

export function isRawKeyHex(keyHex: string): boolean {
  return rawKeyPattern.test(keyHex);
}

/**
 * Opens (creating if absent) an SQLCipher 4 database with a raw 256-bit key, so
 * there is no KDF cost at open, and proves the key by reading sqlite_master.
 * First the key is proved against the files on disk, reading only (sqlcipherFileCheck.ts):
 * once SQLite has a file open, even a failed open may write into it when it closes.
 */
export function openSqlcipher(path: string, keyHex: string): SqlDatabase {
  // Validated before it is spliced into the PRAGMA: hex only, so no injection.
  if (!isRawKeyHex(keyHex)) throw new StoreError('invalid-argument', 'The database key must be 64 hex digits (256 bits).');
  checkStoreFiles(path, keyHex);
  let db: Database;
  try {
    db = new Database(path, { cacheStatements: true });
  } catch (error) {
    throw toStoreError(error, 'opening');
  }
  try {
    // SQLCipher logs decrypt failures ("hmac check failed") to stderr; they
    // still reach us as exceptions, so the log is only noise on a wrong key.
    db.exec('PRAGMA cipher_log_level = NONE');
    db.exec(`PRAGMA key = "x'${keyHex}'"`);
    // SQLCipher only decrypts on first access: this is where a wrong key shows.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    // Safe: checkStoreFiles proved every page this close could checkpoint into the file.
    db.close();
    throw toStoreError(error, 'opening');
  }
  return new SignalSqlcipherDatabase(db);
}

class SignalSqlcipherDatabase implements SqlDatabase {
  constructor(private readonly db: Database) {}

  exec(sql: string): void {
    this.db.exec(sql);
  }

  prepare(sql: string): SqlStatement {
    // cacheStatements: true makes prepare() return the cached persistent statement.
    const statement = this.db.prepare(sql);
    return {
      run: (params?: SqlParams): SqlRunResult => statement.run(params as Params),
      get: (params?: SqlParams): SqlRow | undefined => statement.get(params as Params) as SqlRow | undefined,
      all: (params?: SqlParams): SqlRow[] => statement.all(params as Params) as SqlRow[],
    };
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (error) {
      // SQLite rolls a transaction back by itself on SQLITE_FULL, SQLITE_IOERR and the like, so the
      // binding's own ROLLBACK then fails ("no transaction is active") and is thrown instead, with
      // the real failure as its cause. Report the real one: it says "disk full", not "internal".
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause !== undefined && error instanceof Error && /no transaction is active/.test(error.message)) throw cause;
      throw error;
    }
  }

  pragmaValue(source: string): SqlValue | undefined {
    return this.db.pragma(source, { simple: true }) as SqlValue | undefined;
  }

  close(): void {
    this.db.close();
  }
}

// The binding's parameter type is narrower (Uint8Array<ArrayBuffer>); our port's values are a subset in practice.
type Params = Parameters<ReturnType<Database['prepare']>['run']>[0];
