/**
 * The profile's name, role and kind as created, kept inside its encrypted store and compared
 * with the plain profile file at every unlock. The profile file must stay readable before unlock
 * (the picker shows the name), so anyone who can write to it could otherwise turn a person's
 * profile into a control-room display (exempt from the idle lock by policy), or a display into a
 * person's profile (conversation access), or change the name and role every message is signed
 * with. A mismatch refuses the unlock; it is never silently "repaired".
 *
 * Known limit: trust on first use. A store from before this check has no sealed copy, so the
 * first unlock seals whatever the file says then; binding these fields into the key wrap's AAD
 * would close that, at the cost of a wrap format change.
 */
import type { ProfileKind } from '../../common/contract.js';

export const PROFILE_IDENTITY_SETTING = 'profile.identity';

export interface ProfileIdentity {
  displayName: string;
  role: string;
  kind: ProfileKind;
}

export type IdentityCheck =
  /** Stores made before this check have none: the first unlock records it. */
  | { kind: 'record' }
  | { kind: 'match' }
  | { kind: 'changed'; fields: (keyof ProfileIdentity)[] };

export function checkProfileIdentity(stored: string | null, current: ProfileIdentity): IdentityCheck {
  if (stored === null) return { kind: 'record' };
  let recorded: Partial<Record<keyof ProfileIdentity, unknown>>;
  try {
    recorded = JSON.parse(stored) as Partial<Record<keyof ProfileIdentity, unknown>>;
  } catch {
    return { kind: 'changed', fields: ['displayName', 'role', 'kind'] };
  }
  const fields = (['displayName', 'role', 'kind'] as const).filter((field) => recorded[field] !== current[field]);
  return fields.length === 0 ? { kind: 'match' } : { kind: 'changed', fields };
}

export const serialiseProfileIdentity = (identity: ProfileIdentity): string =>
  JSON.stringify({ displayName: identity.displayName, role: identity.role, kind: identity.kind });

export const IDENTITY_CHANGED_MESSAGE =
  "This profile's name, role or type was changed outside Wardline, so it will not open. Ask IT to check this computer.";
