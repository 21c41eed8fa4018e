/**
 * How much a conversation may interrupt, chosen per team room by the person (a busy "Bed
 * management" room need not sound for every message). Urgent messages notify whatever the
 * setting: the sender decided that one must interrupt. Pure common code: main stores and applies
 * it, the renderer offers it in these words.
 */
export const NOTIFY_LEVELS = ['all', 'mentions', 'urgent'] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];

export const NOTIFY_LEVEL_WORDS: Readonly<Record<NotifyLevel, string>> = Object.freeze({
  all: 'Every message',
  mentions: 'Only when I am mentioned',
  urgent: 'Only urgent messages',
});

export function isNotifyLevel(value: unknown): value is NotifyLevel {
  return typeof value === 'string' && (NOTIFY_LEVELS as readonly string[]).includes(value);
}

/** Beside a quieter room in the conversation list (a room at 'all' shows nothing). */
export const NOTIFY_LEVEL_MARKS: Readonly<Record<Exclude<NotifyLevel, 'all'>, string>> = Object.freeze({
  mentions: 'Mentions only',
  urgent: 'Urgent only',
});
