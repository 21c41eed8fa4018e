/**
 * What a stand-down says, one wording for the message main sends (incidentForms.ts) and the
 * responder's card (ResponderCard.svelte), so the screen never contradicts the message: someone
 * already on site when the incident closes is not told "you are not needed". Pure common code.
 */
export const STAND_DOWN_REASONS = ['individual', 'call-in-ended', 'incident-closed'] as const;
export type StandDownReason = (typeof STAND_DOWN_REASONS)[number];

export function standDownWords(reason: StandDownReason): string {
  switch (reason) {
    case 'incident-closed':
      return 'Stand down: the major incident is closed. Thank you.';
    case 'call-in-ended':
      return 'Stand down: the call-in has ended and you are not needed. Thank you.';
    case 'individual':
      return 'Stand down: you are not needed. Thank you.';
  }
}
