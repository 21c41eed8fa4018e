/**
 * The lock screen's "Find your name" on a ward PC with many profiles: the names whose words
 * contain what was typed, ignoring case and accents ("zoe" finds "Zoë Brown"). The profile someone
 * clicked stays in the list whatever they type next.
 */
import { foldForMatching } from '../../../electron/common/textFolding.js';

export interface NamedProfile {
  id: string;
  displayName: string;
}

/** From this many profiles the lock screen offers the box; below, the list is short enough to scan. */
export const FIND_FROM = 7;

export function profilesMatching<T extends NamedProfile>(profiles: readonly T[], typed: string, chosen: string | null): T[] {
  const wanted = foldForMatching(typed);
  if (wanted === '') return [...profiles];
  return profiles.filter((p) => p.id === chosen || foldForMatching(p.displayName).includes(wanted));
}
