/**
 * Which channels a kind of profile may use at all. A control-room display profile is a wall
 * screen in a shared room: it sees the incident board and nothing else, so every conversation,
 * message, search, directory and transcription channel is refused in main, not just hidden.
 */
import { DISPLAY_PROFILE_CHANNELS, type ProfileKind, type RequestChannel } from '../../common/contract.js';

export function profileAllows(kind: ProfileKind | null, channel: RequestChannel): boolean {
  return kind !== 'display' || DISPLAY_PROFILE_CHANNELS.has(channel);
}
