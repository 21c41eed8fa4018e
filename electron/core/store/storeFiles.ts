/**
 * Opens a profile's encrypted store file: owner-only permissions on the
 * directory and every file SQLite creates, then key check, settings, migrations.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyConnectionSettings } from './connectionSettings.js';
import { MessageStore } from './messageStore.js';
import { latestSchemaVersion, migrate } from './schemaMigrations.js';
import { isRawKeyHex, openSqlcipher } from './signalSqlcipher.js';
import type { SqlDatabase } from './sqlPort.js';
import { StoreError, toStoreError } from './storeErrors.js';

export interface OpenStoreOptions {
  /** Create the database if absent (default true). False for an existing profile, so a lost file is an error, not a new empty store. */
  create?: boolean;
  /** Stop migrating at this version; only tests building older databases use it. */
  schemaVersion?: number;
}

export interface OpenedStore {
  db: SqlDatabase;
  store: MessageStore;
  schemaVersion: number;
  migratedFrom: number;
}

const ownerOnlyFile = 0o600;
const ownerOnlyDir = 0o700;

export function openStoreFile(path: string, keyHex: string, options: OpenStoreOptions = {}): OpenedStore {
  if (typeof path !== 'string' || path.length === 0) throw new StoreError('invalid-argument', 'A database path is required.');
  if (!isRawKeyHex(keyHex)) throw new StoreError('invalid-argument', 'The database key must be 64 hex digits (256 bits).');
  const target = options.schemaVersion ?? latestSchemaVersion;
  try {
    prepareFile(path, options.create ?? true);
  } catch (error) {
    throw error instanceof StoreError ? error : new StoreError('io', 'The Wardline database location is not usable.');
  }
  const db = openSqlcipher(path, keyHex);
  try {
    applyConnectionSettings(db);
    // All steps in one transaction: a failed migration leaves the file as it was, not part-way up.
    const migratedFrom = db.transaction(() => migrate(db, target));
    restrictSidecars(path);
    return { db, store: new MessageStore(db), schemaVersion: Number(db.pragmaValue('user_version')), migratedFrom };
  } catch (error) {
    // A failed migration committed nothing, and openSqlcipher proved that any WAL this close checkpoints is the store's own.
    db.close();
    throw toStoreError(error);
  }
}

function prepareFile(path: string, create: boolean): void {
  const dir = dirname(path);
  // Tighten only a folder we create: chmod-ing an existing parent (say /tmp, or a folder IT chose)
  // would break everything else that uses it. The vault creates profile folders 0700 itself.
  if (mkdirSync(dir, { recursive: true, mode: ownerOnlyDir }) !== undefined) chmodSync(dir, ownerOnlyDir);
  const present = existsSync(path) && statSync(path).size > 0;
  if (!present && !create) throw new StoreError('missing');
  if (!existsSync(path)) {
    // Created here, owner-only, before SQLite touches it: SQLite gives the
    // -wal and -shm files the main file's mode.
    closeSync(openSync(path, 'wx', ownerOnlyFile));
  }
  chmodSync(path, ownerOnlyFile);
}

/** Belt and braces: SQLite copies the main file's mode, but an older file may predate that. */
export function restrictSidecars(path: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(path + suffix)) chmodSync(path + suffix, ownerOnlyFile);
  }
}
