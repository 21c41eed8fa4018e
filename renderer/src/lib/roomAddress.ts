/**
 * What a person typed into "Join or create a team room", as the room's address: a full address
 * as typed, or a short name ("Ward 7 nursing") made into one on the organisation's room service.
 * Main validates the result again; this only decides what to ask for and shows it beforehand.
 */
import type { RoomServiceAnswer } from '../../../electron/common/contract.js';

export type RoomAddress =
  | { kind: 'empty' }
  | { kind: 'address'; jid: string; /** A short name typed with capitals or spaces: a readable default title. */ title: string | null }
  | { kind: 'problem'; message: string };

/**
 * What a short name's address may hold. Plain ASCII on purpose: the server prepares addresses its
 * own way (Prosody's nodeprep folds "ß" to "ss" and drops soft hyphens and zero-width spaces, which
 * lower-casing does not), so anything else could name a room other than the one shown and joined,
 * or two rooms that look the same. The words as typed are kept as the room's title.
 */
const SHORT_NAME = /^[a-z0-9._-]+$/;
/** The contract's longest title (Label): a longer name is not offered as the default one. */
const MAX_TITLE = 80;

export function roomAddress(typed: string, answer: RoomServiceAnswer): RoomAddress {
  const text = typed.trim();
  if (text === '') return { kind: 'empty' };
  // A full address is main's to check, with its own words for a slip.
  if (text.includes('@')) return { kind: 'address', jid: text.toLowerCase(), title: null };
  if (answer.kind === 'unknown') {
    return { kind: 'problem', message: 'Wardline does not know yet where this server makes rooms (not connected, or no answer): type the room’s full address, or try again once connected.' };
  }
  if (answer.kind === 'none') {
    return { kind: 'problem', message: 'Type the room’s full address (such as ward7-nursing@conference.hospital.example): this server does not say where its rooms are.' };
  }
  const { service } = answer;
  // Accents come off ("Ärzte" → "arzte"), compatibility forms become plain letters ("ﬁ" → "fi").
  const local = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, '-');
  if (!SHORT_NAME.test(local)) {
    const bad = [...local].find((c) => !SHORT_NAME.test(c)) ?? '';
    const shown = /[\p{L}\p{N}\p{P}\p{S}]/u.test(bad) ? `“${bad}”` : `an invisible character (U+${bad.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')})`;
    return { kind: 'problem', message: `A room name cannot hold ${shown}. Use letters, digits, spaces, dots and dashes, or type a full room address.` };
  }
  return { kind: 'address', jid: `${local}@${service}`, title: local === text || text.length > MAX_TITLE ? null : text };
}
