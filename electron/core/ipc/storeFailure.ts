/**
 * What the person is told when the open store fails under an action (disk full or read-only,
 * damaged pages, a stopped worker), instead of "internal error": what happened and what to do.
 * Nothing they typed is cleared on a failure (the composer keeps its text until main has it).
 */
import type { WardlineError } from '../../common/contract.js';
import { StoreError } from '../store/index.js';

export function storeFailureForPerson(error: unknown): WardlineError | null {
  if (!(error instanceof StoreError)) return null;
  switch (error.kind) {
    case 'io':
      return {
        code: 'rejected',
        message: "Wardline could not write to this computer's disk (it may be full or read-only), so that did not go through. Tell IT if it happens again.",
      };
    case 'corrupt':
      return { code: 'rejected', message: "Part of Wardline's encrypted store on this computer is damaged, so that did not go through. Tell IT; do not remove your profile." };
    case 'closed':
      return { code: 'rejected', message: "Wardline's encrypted store has stopped, so that did not go through. Lock and unlock Wardline to open it again." };
    default:
      return null;
  }
}
