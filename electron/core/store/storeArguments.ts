/** Checks on what callers hand the store: a bad argument is a typed error, never a SQL surprise. */
import { StoreError } from './storeErrors.js';

export function invalid(field: string): StoreError {
  return new StoreError('invalid-argument', `Invalid store request: ${field}.`);
}

export function requireInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value)) throw invalid(field);
  return value;
}

export function requireText(value: string, field: string): void {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field);
}
