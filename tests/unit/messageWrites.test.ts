/**
 * REPLACE deletes the row it replaces without firing delete triggers (recursive_triggers is off),
 * so a message written that way would leave its words in the search index and its conversation's
 * preview copy (conversationPreview.ts). No store code may write messages so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const storeDir = join(import.meta.dirname, '../../electron/core/store');
const REPLACING_MESSAGES = /\b(?:INSERT\s+OR\s+REPLACE\s+INTO|REPLACE\s+INTO|UPDATE\s+OR\s+REPLACE)\s+messages\b/i;

describe('message writes', () => {
  it('never use REPLACE on messages, whose implicit delete would skip the triggers', () => {
    const offenders = readdirSync(storeDir)
      .filter((name) => name.endsWith('.ts'))
      .filter((name) => REPLACING_MESSAGES.test(readFileSync(join(storeDir, name), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the check sees such a statement', () => {
    expect(REPLACING_MESSAGES.test('db.exec(`INSERT OR REPLACE INTO messages (id) VALUES (1)`)')).toBe(true);
    expect(REPLACING_MESSAGES.test('UPDATE OR REPLACE messages SET body = ?')).toBe(true);
    expect(REPLACING_MESSAGES.test('INSERT INTO messages (id) VALUES (1) ON CONFLICT DO NOTHING')).toBe(false);
  });
});
