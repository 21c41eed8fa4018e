/**
 * Where "New messages" goes when a conversation opens: above the first colleague's message the
 * person has not seen. Only when the first page shows where they start: if every message on it is
 * unread and older ones exist, the start is further back and a line here would mislead.
 */
import type { MessageView } from '../../../electron/common/contract.js';

export function newMessagesStart(page: readonly Pick<MessageView, 'id' | 'unread'>[], olderExist: boolean): number | null {
  const index = page.findIndex((m) => m.unread);
  if (index === -1 || (index === 0 && olderExist)) return null;
  return page[index]?.id ?? null;
}
