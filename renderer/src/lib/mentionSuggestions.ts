/**
 * "@" in a team room's composer: which colleagues to offer, and what picking one writes. Pure.
 * A pick writes "@" + the address's local part, which is what rooms show as the person's nick and
 * what common/mentions.ts looks for, whatever name they signed with.
 */
import type { DirectoryEntry } from '../../../electron/common/contract.js';

/** At most this many names are offered: a short list to read, not the whole trust. */
export const MAX_SUGGESTIONS = 6;

export interface MentionQuery {
  /** Where the "@" is. */
  start: number;
  /** What follows it, up to the caret. */
  query: string;
}

export interface MentionSuggestion {
  handle: string;
  name: string;
  jid: string;
}

/** The "@word" being typed just before the caret, or null (an address like a@b is not one). */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const match = /(?:^|[\s(])@([\p{L}\p{N}._-]{0,40})$/u.exec(text.slice(0, caret));
  if (match === null) return null;
  const query = match[1] ?? '';
  return { start: caret - query.length - 1, query };
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * People (not rooms) whose handle or any word of whose name starts with the query, handles first,
 * then by name; case- and accent-blind. An empty query offers the first few by name.
 */
export function suggestMentions(entries: readonly DirectoryEntry[], query: string, self: string | null = null): MentionSuggestion[] {
  const wanted = fold(query);
  const scored: { score: number; suggestion: MentionSuggestion }[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'person' || entry.jid === self) continue;
    const handle = entry.jid.slice(0, entry.jid.indexOf('@'));
    if (handle === '') continue;
    const byHandle = fold(handle).startsWith(wanted);
    const byName = fold(entry.name).split(/\s+/u).some((word) => word.startsWith(wanted));
    if (!byHandle && !byName) continue;
    scored.push({ score: byHandle ? 0 : 1, suggestion: { handle, name: entry.name, jid: entry.jid } });
  }
  scored.sort((a, b) => a.score - b.score || a.suggestion.name.localeCompare(b.suggestion.name, 'en-GB') || a.suggestion.jid.localeCompare(b.suggestion.jid));
  return scored.slice(0, MAX_SUGGESTIONS).map(({ suggestion }) => suggestion);
}

/** The text with "@query" replaced by "@handle " and where the caret goes after it. */
export function insertMention(text: string, at: MentionQuery, caret: number, handle: string): { text: string; caret: number } {
  const inserted = `@${handle} `;
  const after = text.slice(caret).replace(/^ /u, '');
  return { text: `${text.slice(0, at.start)}${inserted}${after}`, caret: at.start + inserted.length };
}
