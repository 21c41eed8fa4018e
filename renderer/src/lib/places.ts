/**
 * Where each person was in the window (conversation, panel, incident screen), so that on a shared
 * PC unlocking brings every person back to their own place, not only the last one to lock. Opaque
 * ids only, never content; in memory, so a restart (or a page reload) starts everyone afresh.
 */
export type WorkspacePanel = 'conversation' | 'needs-transcription' | 'audit';

export interface Place {
  selectedId: number | null;
  panel: WorkspacePanel;
  incidentOpen: boolean;
}

export const START: Readonly<Place> = { selectedId: null, panel: 'conversation', incidentOpen: false };

/** A ward PC has a handful of profiles; more than this and the oldest place is forgotten. */
const MAX_PLACES = 64;

export class Places {
  readonly #byProfile = new Map<string, Place>();

  /** Remembers where `profileId` was as someone else unlocks the window. */
  leave(profileId: string, place: Place): void {
    this.#byProfile.delete(profileId);
    this.#byProfile.set(profileId, { ...place });
    // Oldest first in a Map's order: the person away longest is forgotten first.
    for (const oldest of this.#byProfile.keys()) {
      if (this.#byProfile.size <= MAX_PLACES) break;
      this.#byProfile.delete(oldest);
    }
  }

  /** Where `profileId` left the window, once: the start for someone never seen (or forgotten). */
  returnTo(profileId: string): Place {
    const place = this.#byProfile.get(profileId) ?? START;
    this.#byProfile.delete(profileId);
    return { ...place };
  }
}
