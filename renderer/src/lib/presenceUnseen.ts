/**
 * Whether colleagues cannot see this person's chosen status just now, so the header says so beside
 * it: messaging is down, or reconnecting. Not during the first connect of a profile's sign-in
 * (it would only flash); but a dropped session restarts its attempts at 1, so "has this profile
 * been online" tells a reconnect from a first connect.
 */
import type { ConnectionView } from '../../../electron/common/contract.js';

export function presenceUnseen(connection: ConnectionView, profileWasOnline: boolean): boolean {
  if (connection.kind === 'offline') return true;
  return connection.kind === 'connecting' && (connection.attempt > 1 || profileWasOnline);
}
