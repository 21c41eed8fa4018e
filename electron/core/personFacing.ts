/**
 * Refusals from messaging and incident work carry sentences meant for the person: passed on as
 * such ('rejected'). Anything else stays an internal error with a reference for IT. One list for
 * every channel, so a new person-facing error is added once.
 */
import { ChatSendError, RoomJoinError, RoomMembershipError } from './chat/index.js';
import { IncidentError } from './incident/incidentService.js';
import { WardlineFailure } from './ipc/failure.js';

export async function personFacing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ChatSendError || error instanceof RoomJoinError || error instanceof RoomMembershipError || error instanceof IncidentError) {
      throw new WardlineFailure('rejected', error.message);
    }
    throw error;
  }
}
