/** Typed reads from untyped SQL rows: a schema mismatch fails loudly, not silently. */
import type { SqlRow } from './sqlPort.js';
import { StoreError } from './storeErrors.js';

export function readNumber(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw new StoreError('internal', `Column ${column} is not a number.`);
  return value;
}

export function readString(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new StoreError('internal', `Column ${column} is not text.`);
  return value;
}

export function readOptionalNumber(row: SqlRow, column: string): number | null {
  const value = row[column];
  return value === null || value === undefined ? null : readNumber(row, column);
}

export function readOptionalString(row: SqlRow, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined ? null : readString(row, column);
}

export function readOneOf<T extends string>(row: SqlRow, column: string, allowed: readonly T[]): T {
  const value = readString(row, column);
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new StoreError('internal', `Column ${column} has an unexpected value.`);
  return match;
}
