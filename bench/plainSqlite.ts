/**
 * better-sqlite3 (no cipher) behind the store's SqlDatabase port. The benchmark
 * runs the very same MessageStore, schema and settings over it as the plain
 * baseline, and tests use it to inspect on-disk bytes without encryption.
 */
import Database from 'better-sqlite3';
import { applyConnectionSettings } from '../electron/core/store/connectionSettings.js';
import { MessageStore } from '../electron/core/store/messageStore.js';
import { migrate } from '../electron/core/store/schemaMigrations.js';
import type { SqlDatabase, SqlParams, SqlRow, SqlStatement, SqlValue } from '../electron/core/store/sqlPort.js';

export function openPlainSqlite(path: string): SqlDatabase {
  const db = new Database(path);
  const cache = new Map<string, SqlStatement>();
  return {
    exec: (sql) => {
      db.exec(sql);
    },
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached !== undefined) return cached;
      const statement = db.prepare(sql);
      const returnsRows = statement.reader;
      const wrapped: SqlStatement = {
        run: (params?: SqlParams) => {
          const result = params === undefined ? statement.run() : statement.run(params);
          return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) };
        },
        get: (params?: SqlParams) =>
          returnsRows ? ((params === undefined ? statement.get() : statement.get(params)) as SqlRow | undefined) : (wrapped.run(params), undefined),
        all: (params?: SqlParams) => (params === undefined ? statement.all() : statement.all(params)) as SqlRow[],
      };
      cache.set(sql, wrapped);
      return wrapped;
    },
    transaction: (fn) => db.transaction(fn)(),
    pragmaValue: (source) => db.pragma(source, { simple: true }) as SqlValue | undefined,
    close: () => db.close(),
  };
}

/** The same store, schema and settings as the app, minus encryption. */
export function openPlainStore(path: string): { db: SqlDatabase; store: MessageStore } {
  const db = openPlainSqlite(path);
  applyConnectionSettings(db);
  migrate(db);
  return { db, store: new MessageStore(db) };
}
