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

const PendingCountsSchema = z.object({
  messages: z.number().int().nonnegative(),
  urgent: z.number().int().nonnegative(),
});

export const AutoLockSchema = z.object({
  /** What applies now: the person's choice, capped by policy. */
  seconds: z.number().int().positive(),
  policyMaxSeconds: z.number().int().positive(),
});

/** The lock state machine, as the renderer sees it. Owned by main. */
export const SessionStateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-profile'), profiles: z.array(ProfileSummarySchema) }),
  z.object({
    kind: z.literal('locked'),
    profiles: z.array(ProfileSummarySchema),
    /** Preselects the person who locked; null after start-up. */
    lockedProfileId: z.string().nullable(),
    /** Counts only: a lock screen never shows names or text. */
    pending: PendingCountsSchema,
  }),
  z.object({
    kind: z.literal('unlocked'),
    profile: ProfileSummarySchema.extend({ role: z.string() }),
    autoLock: AutoLockSchema,
  }),
]);

export const ConversationSummarySchema = z.object({
  id: z.number().int(),
  title: z.string(),
  kind: z.enum(['direct', 'room']),
  unread: z.number().int().nonnegative(),
  urgentUnread: z.number().int().nonnegative(),
  lastActivityAt: z.number().int().nullable(),
});

const ProfileId = z.string().regex(/^[a-f0-9]{32}$/, 'profile id');
/** PIN (6+ digits) or passphrase (8+ characters); the vault applies the exact rule. */
const Pin = z.string().min(6).max(256);
const Label = z.string().trim().min(1).max(80);
const CursorSchema = z.object({ sentAt: z.number().int(), id: z.number().int() }).strict();

export const MessageViewSchema = z.object({
  id: z.number().int(),
  direction: z.enum(['in', 'out']),
  senderName: z.string(),
  senderRole: z.string().nullable(),
  body: z.string().nullable(),
  sentAt: z.number().int(),
  urgency: z.enum(['normal', 'urgent']),
  deliveryState: z.enum(['pending', 'sent', 'delivered', 'read', 'failed']).nullable(),
  patientIdentifier: z.boolean(),
});

export const MessagePageSchema = z.object({
  messages: z.array(MessageViewSchema),
  before: CursorSchema.nullable(),
});

/**
 * Request channels. `locked: 'refuse'` marks channels that return message,
 * conversation or patient data: main refuses them unless a profile is unlocked.
 */
export const requests = {
  'app:info': { request: Empty, response: AppInfoSchema, locked: 'allow' },
  'session:state': { request: Empty, response: SessionStateSchema, locked: 'allow' },
  'conversations:list': { request: Empty, response: z.array(ConversationSummarySchema), locked: 'refuse' },
  'profiles:create': {
    request: z.object({ displayName: Label, role: Label, pin: Pin }).strict(),
    response: ProfileSummarySchema,
    locked: 'allow',
  },
  'profiles:remove': {
    // The person's own PIN: nobody else at a shared PC can wipe their profile.
    request: z.object({ profileId: ProfileId, pin: Pin }).strict(),
    response: z.object({ removed: z.literal(true) }),
    locked: 'allow',
  },
  'session:unlock': {
    request: z.object({ profileId: ProfileId, pin: Pin }).strict(),
    response: SessionStateSchema,
    locked: 'allow',
  },
  'session:lock': { request: Empty, response: SessionStateSchema, locked: 'allow' },
  'session:setAutoLock': {
    request: z.object({ seconds: z.number().int().min(30).max(24 * 3600) }).strict(),
    response: AutoLockSchema,
    locked: 'refuse',
  },
  'messages:page': {
    request: z
      .object({ conversationId: z.number().int().positive(), before: CursorSchema.optional(), limit: z.number().int().min(1).max(200) })
      .strict(),
    response: MessagePageSchema,
    locked: 'refuse',
  },
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
export type AutoLock = z.infer<typeof AutoLockSchema>;
export type MessageView = z.infer<typeof MessageViewSchema>;
export type MessagePage = z.infer<typeof MessagePageSchema>;

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
