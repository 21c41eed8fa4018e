/**
 * "@" in a team room's composer: which colleagues to offer, and what picking one writes. Pure.
 * A pick writes "@" + the address's local part, which is what rooms show as the person's nick and
 * what common/mentions.ts looks for, whatever name they signed with.
 */
import type { DirectoryEntry } from '../../../electron/common/contract.js';
import { foldForMatching } from '../../../electron/common/textFolding.js';

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

/**
 * People (not rooms) whose handle or any word of whose name starts with the query, handles first,
 * then by name; case- and accent-blind. An empty query offers the first few by name.
 */
export function suggestMentions(entries: readonly DirectoryEntry[], query: string): MentionSuggestion[] {
  const wanted = foldForMatching(query);
  const scored: { score: number; suggestion: MentionSuggestion }[] = [];
  for (const entry of entries) {
    const at = entry.jid.indexOf('@');
    if (entry.kind !== 'person' || at <= 0) continue;
    const handle = entry.jid.slice(0, at);
    const byHandle = foldForMatching(handle).startsWith(wanted);
    const byName = foldForMatching(entry.name).split(' ').some((word) => word.startsWith(wanted));
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
