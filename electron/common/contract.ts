/**
 * The one IPC contract between the renderer and the main process.
 *
 * Every request/response channel and every main→renderer event is declared
 * here, once, with a runtime schema. Main validates every payload against it
 * (electron/core/ipc/dispatcher.ts), preload derives its allowlist from it,
 * and the renderer gets its types from it. Adding a channel means adding it
 * here; nothing else lists channels.
 */
import { z } from 'zod';

const Empty = z.object({}).strict();

export const ShellKindSchema = z.enum(['electron', 'chromium']);

export const AppInfoSchema = z.object({
  name: z.literal('Wardline'),
  version: z.string(),
  shell: ShellKindSchema,
  platform: z.string(),
});

export const ProfileSummarySchema = z.object({
  id: z.string(),
  displayName: z.string(),
});

/** The lock state machine, as the renderer sees it. Owned by main. */
export const SessionStateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-profile'), profiles: z.array(ProfileSummarySchema) }),
  z.object({
    kind: z.literal('locked'),
    profiles: z.array(ProfileSummarySchema),
    /** Counts only: a lock screen never shows names or text. */
    pending: z.object({ messages: z.number().int().nonnegative(), urgent: z.number().int().nonnegative() }),
  }),
  z.object({
    kind: z.literal('unlocked'),
    profile: ProfileSummarySchema,
  }),
]);

export const ConversationSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['direct', 'room']),
  unread: z.number().int().nonnegative(),
  urgentUnread: z.number().int().nonnegative(),
  lastActivityAt: z.number().int().nullable(),
});

/**
 * Request channels. `locked: 'refuse'` marks channels that return message,
 * conversation or patient data: main refuses them unless a profile is unlocked.
 */
export const requests = {
  'app:info': { request: Empty, response: AppInfoSchema, locked: 'allow' },
  'session:state': { request: Empty, response: SessionStateSchema, locked: 'allow' },
  'conversations:list': { request: Empty, response: z.array(ConversationSummarySchema), locked: 'refuse' },
  'links:openExternal': {
    request: z.object({ url: z.string().max(2048) }).strict(),
    response: z.object({ opened: z.boolean() }),
    locked: 'allow',
  },
} as const satisfies Record<
  string,
  { request: z.ZodType; response: z.ZodType; locked: 'allow' | 'refuse' }
>;

/** Events pushed from main to the renderer. */
export const events = {
  'session:changed': SessionStateSchema,
} as const satisfies Record<string, z.ZodType>;

export type RequestChannel = keyof typeof requests;
export type EventName = keyof typeof events;
export type RequestOf<C extends RequestChannel> = z.infer<(typeof requests)[C]['request']>;
export type ResponseOf<C extends RequestChannel> = z.infer<(typeof requests)[C]['response']>;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

export type ShellKind = z.infer<typeof ShellKindSchema>;
export type AppInfo = z.infer<typeof AppInfoSchema>;
export type ProfileSummary = z.infer<typeof ProfileSummarySchema>;
export type SessionState = z.infer<typeof SessionStateSchema>;
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;

export const requestChannels = Object.keys(requests) as RequestChannel[];
export const eventNames = Object.keys(events) as EventName[];

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(requests, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

/** Errors cross the boundary as data the UI can show, never as stack traces. */
export type ErrorCode =
  | 'unknown-channel'
  | 'invalid-payload'
  | 'forbidden-sender'
  | 'locked'
  | 'not-found'
  | 'keychain-unavailable'
  | 'wrong-pin'
  | 'throttled'
  | 'rejected'
  | 'internal';

export interface WardlineError {
  code: ErrorCode;
  /** A sentence a clinician can act on. Never contains message content. */
  message: string;
  /** For `throttled`: when the next attempt is allowed (epoch ms). */
  retryAt?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: WardlineError };

/** Electron IPC channel name for a contract channel; one prefix, one place. */
export const ipcChannelName = (channel: RequestChannel | EventName): string => `wardline:${channel}`;

/** What `window.wardline` looks like in the renderer (Electron preload or Chromium bridge). */
export interface WardlineApi {
  invoke<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
