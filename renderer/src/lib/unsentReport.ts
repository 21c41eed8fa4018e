/**
 * A send that failed after its composer was gone (the person opened another conversation while it
 * was on its way): the composer that would have said so is gone, so the workspace says it. Its text
 * is back in that conversation's draft. Scoped to the workspace (a context), so a lock drops it.
 */
import { getContext, setContext } from 'svelte';

export interface UnsentMessage {
  conversationId: number;
  /** The conversation's name: where to look, never what was written. */
  title: string;
  reason: string;
}

const KEY = Symbol('unsent-report');

export function provideUnsentReport(report: (unsent: UnsentMessage) => void): void {
  setContext(KEY, report);
}

export function unsentReport(): ((unsent: UnsentMessage) => void) | undefined {
  return getContext(KEY);
}
