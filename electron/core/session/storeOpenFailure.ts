/**
 * What a person is told when the PIN was right but the profile's message store will not open.
 * The store's own messages are for logs; these say what happened to *their* messages and who can
 * help. Nothing is changed on disk in any of these cases.
 */
import { WardlineFailure } from '../ipc/failure.js';
import { StoreError, type StoreErrorKind } from '../store/index.js';

const messages: Partial<Record<StoreErrorKind, string>> = {
  missing:
    "Your PIN is right, but this profile's message store is missing from this computer, so its messages cannot be shown. Nothing was changed. Ask IT to restore the profile folder from backup; if it cannot be restored, remove this profile and create it again.",
  'wrong-key-or-not-wardline':
    "Your PIN is right, but this profile's message store does not open with this profile's key: the file has been replaced or damaged. Nothing was changed. Ask IT to restore the profile folder from backup.",
  corrupt:
    "Your PIN is right, but this profile's message store is damaged and cannot be read. Nothing was changed. Ask IT to restore the profile folder from backup.",
  'newer-schema': 'This profile was last opened by a newer version of Wardline. Ask IT to update Wardline on this computer.',
  io: "Your PIN is right, but Wardline could not read this profile's message store (the disk, or the folder's permissions). Nothing was changed. Ask IT to check the profile folder.",
};

/** A person-facing failure for a store that would not open, or null to let the error through as it is. */
export function storeOpenFailure(error: unknown): WardlineFailure | null {
  if (!(error instanceof StoreError)) return null;
  const message = messages[error.kind];
  return message === undefined ? null : new WardlineFailure('rejected', message);
}
