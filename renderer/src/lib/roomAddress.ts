/**
 * What a person typed into "Join or create a team room", as the room's address: a full address
 * as typed, or a short name ("Ward 7 nursing") made into one on the organisation's room service.
 * Main validates the result again; this only decides what to ask for and shows it beforehand.
 */
export type RoomAddress =
  | { kind: 'empty' }
  | { kind: 'address'; jid: string; /** A short name typed with capitals or spaces: a readable default title. */ title: string | null }
  | { kind: 'problem'; message: string };

/** Characters an XMPP address's first part may not hold (RFC 7622 §3.3.1), and controls. */
const NOT_IN_A_NAME = /["&'/:<>@\u0000-\u001f\u007f]/;

export function roomAddress(typed: string, service: string | null): RoomAddress {
  const text = typed.trim();
  if (text === '') return { kind: 'empty' };
  // A full address is main's to check, with its own words for a slip.
  if (text.includes('@')) return { kind: 'address', jid: text.toLowerCase(), title: null };
  if (service === null) {
    return { kind: 'problem', message: 'Type the room’s full address (such as ward7-nursing@conference.hospital.example): this server does not say where its rooms are.' };
  }
  const local = text.toLowerCase().replace(/\s+/g, '-');
  if (NOT_IN_A_NAME.test(local)) return { kind: 'problem', message: 'A room name cannot hold " & \' / : < or >. Use letters, digits and dashes.' };
  return { kind: 'address', jid: `${local}@${service}`, title: local === text ? null : text };
}
