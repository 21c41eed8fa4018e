/**
 * A send that failed after its composer was gone (the person opened another conversation while it
 * was on its way): the composer that would have said so is gone. If that conversation is open
 * again, its new composer takes the text back and says why; otherwise the workspace says it (its
 * text is back in that conversation's draft). Scoped to the workspace (a context), so a lock drops it.
 */
import { getContext, setContext } from 'svelte';
import type { WardlineError } from '../../../electron/common/contract.js';

export interface UnsentMessage {
  conversationId: number;
  /** The conversation's name: where to look, never what was written. */
  title: string;
  reason: string;
}

export interface ReturnedText {
  body: string;
  urgent: boolean;
}

export interface UnsentReporting {
  /** From a composer that is gone: its send failed. */
  report(unsent: UnsentMessage, text: ReturnedText, error: WardlineError): void;
  /** An open composer takes back its conversation's unsent text; returns the unsubscribe. */
  listen(conversationId: number, take: (text: ReturnedText, error: WardlineError) => void): () => void;
}

/**
 * What the open box holds once a failed send's text comes back: the text ahead of what was typed
 * since. The box may already hold it: while the send was on its way its draft was still kept, so the
 * re-opened composer loaded it, and what the person typed since follows it.
 */
export function withReturnedText(current: string, returned: string): string {
  if (current === '') return returned;
  if (current.startsWith(returned)) return current;
  return `${returned}\n${current}`;
}

const KEY = Symbol('unsent-report');

/** `alert` is called only when no composer of that conversation is open to take the text back. */
export function provideUnsentReport(alert: (unsent: UnsentMessage) => void): void {
  const open = new Map<number, (text: ReturnedText, error: WardlineError) => void>();
  const reporting: UnsentReporting = {
    report(unsent, text, error) {
      const take = open.get(unsent.conversationId);
      if (take === undefined) alert(unsent);
      else take(text, error);
    },
    listen(conversationId, take) {
      open.set(conversationId, take);
      return () => {
        if (open.get(conversationId) === take) open.delete(conversationId);
      };
    },
  };
  setContext(KEY, reporting);
}

export function unsentReporting(): UnsentReporting | undefined {
  return getContext(KEY);
}
