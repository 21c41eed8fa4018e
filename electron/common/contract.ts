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
import { STAND_DOWN_REASONS } from './standDownWords.js';
import { NOTIFY_LEVELS } from './notifyLevels.js';

const Empty = z.object({}).strict();

export const ShellKindSchema = z.enum(['electron', 'chromium']);

export const AppInfoSchema = z.object({
  name: z.literal('Wardline'),
  version: z.string(),
  shell: ShellKindSchema,
  platform: z.string(),
  /** What a new PIN must be under this machine's policy, so the screens that take one say it. */
  pinRule: z.object({ minDigits: z.number().int().min(6), minPassphraseChars: z.number().int().min(8) }),
});

export const ProfileSummarySchema = z.object({
  id: z.string(),
  displayName: z.string(),
  /** Lock screen: under a wipe policy, after wrong PINs, how many more would erase the profile. */
  attemptsBeforeErase: z.number().int().positive().optional(),
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
  z.object({
    kind: z.literal('no-profile'),
    profiles: z.array(ProfileSummarySchema),
    /** Why the last session ended, when the person must be told (e.g. account revoked, profile erased). */
    notice: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('locked'),
    profiles: z.array(ProfileSummarySchema),
    /** Preselects the person who locked; null after start-up. */
    lockedProfileId: z.string().nullable(),
    /** Counts only: a lock screen never shows names or text. Null while not (yet) read: just locked, or unreadable. */
    pending: PendingCountsSchema.nullable(),
    notice: z.string().nullable(),
  }),
  /** The managed policy file is invalid or unreadable: nothing opens until IT fixes it (fail closed). */
  z.object({ kind: z.literal('blocked'), message: z.string() }),
  z.object({
    kind: z.literal('unlocked'),
    /** kind: 'display' for a control-room screen (absent in older builds: a person). */
    profile: ProfileSummarySchema.extend({ role: z.string(), kind: z.enum(['person', 'display']).optional() }),
    autoLock: AutoLockSchema,
    /** Admin policy: hide conversation content while Wardline's window is not focused (shared screens). */
    privacyBlur: z.boolean(),
  }),
]);

/**
 * Why the server (or the recipient) bounced one of our messages, in Wardline's own words; the
 * renderer turns each into a plain sentence. 'unknown' covers every other error condition.
 */
export const DeliveryFailureReasonSchema = z.enum([
  'no-such-address',
  'server-unreachable',
  'not-allowed-in-room',
  'refused',
  'server-busy',
  'unknown',
]);

export const ConversationSummarySchema = z.object({
  id: z.number().int(),
  title: z.string(),
  /** The person's or room's XMPP address, so people can tell two "J. Smith"s apart. */
  address: z.string(),
  kind: z.enum(['direct', 'room']),
  unread: z.number().int().nonnegative(),
  urgentUnread: z.number().int().nonnegative(),
  /** Our messages here the server bounced, waiting for the person to retry them. */
  undelivered: z.number().int().nonnegative(),
  lastActivityAt: z.number().int().nullable(),
  /** The person left a draft here (its text is never listed). */
  hasDraft: z.boolean(),
  /** How much it may interrupt (a team room's setting; 1:1 conversations are always 'all'). */
  notify: z.enum(NOTIFY_LEVELS),
  /**
   * Why nothing can be sent in this team room (its history stays readable): 'removed', this session
   * the person is not in it (it removed them or would not let them back in, or no bookmark joins it:
   * left on another workstation); 'left', they left it here. Null otherwise.
   */
  closed: z.enum(['removed', 'left']).nullable(),
  /** A room major incidents use (policy's, or an open incident's): it cannot be left, so Leave is not offered. */
  incidentRoom: z.boolean(),
  /**
   * The start of the newest message, one line, for the list (admin policy may turn previews off:
   * then always null). `author`: "You", the sender's name in a room, null for the other person in 1:1.
   */
  preview: z.object({ author: z.string().nullable(), text: z.string() }).nullable(),
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
  /**
   * Who wrote it, as the server vouched for it: their address (room/nick where a room hides
   * addresses). The name and role are what the writer signed with, a claim, so rooms show this
   * beside them. Null for our own messages.
   */
  senderAddress: z.string().nullable(),
  body: z.string().nullable(),
  sentAt: z.number().int(),
  urgency: z.enum(['normal', 'urgent']),
  deliveryState: z.enum(['pending', 'sent', 'delivered', 'read', 'failed']).nullable(),
  /** Set only when deliveryState is 'failed'. */
  failureReason: DeliveryFailureReasonSchema.nullable(),
  patientIdentifier: z.boolean(),
  /** A colleague's message that names this person (@handle or their whole name; common/mentions.ts). */
  mentionsYou: z.boolean(),
  /** A colleague's message this person has not seen yet (the thread marks where the new ones start). */
  unread: z.boolean(),
  /** Transcribed into the patient record: by whom ("Name (Role)"), when, and the reference typed. */
  transcription: z.object({ by: z.string(), at: z.number().int(), recordReference: z.string().nullable() }).nullable(),
  /** The text was removed: after transcription (byName set) or retracted by its sender. */
  removal: z
    .object({
      /** The name the remover signed with: a claim, so always shown with the address below. */
      byName: z.string().nullable(),
      /** The remover's address as the server vouched for it (a room occupant's in rooms). */
      byAddress: z.string(),
      at: z.number().int(),
      afterTranscription: z.boolean(),
    })
    .nullable(),
});

export const MessagePageSchema = z.object({
  messages: z.array(MessageViewSchema),
  before: CursorSchema.nullable(),
});

const Jid = z
  .string()
  .trim()
  .toLowerCase()
  .max(300)
  .regex(/^[^@/\s]+@[^@/\s]+\.[^@/\s]+$/, 'enter an address like name@hospital.example')
  // The server prepares addresses its own way (nodeprep drops soft hyphens and zero-width spaces,
  // folds "ﬁ" to "fi"): pasted with one, the address would reach someone (or some room) other than
  // the conversation Wardline opens for it.
  .refine((jid) => !/\p{Cf}/u.test(jid) && jid.normalize('NFKC') === jid.normalize('NFC'), {
    error: 'an address cannot hold invisible or look-alike characters: type it rather than paste it',
  });
const PresenceSchema = z.enum(['available', 'busy', 'off-duty']);
/** 'unknown': not connected yet, or the server did not answer; 'none': it names no room service. */
export const RoomServiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('found'), service: z.string() }),
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('unknown') }),
]);
export type RoomServiceAnswer = z.infer<typeof RoomServiceSchema>;
/** A colleague's presence as last seen: what they chose, or offline. */
const SeenPresenceSchema = z.enum([...PresenceSchema.options, 'offline']);

export const AccountViewSchema = z.object({ jid: z.string(), host: z.string().nullable(), port: z.number().int().nullable() });

export const ConnectionViewSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('not-configured') }),
  z.object({ kind: z.literal('connecting'), attempt: z.number().int() }),
  /** history: see HistoryState in chat/chatTypes.ts ('catching-up' | 'complete' | 'incomplete'). */
  z.object({ kind: z.literal('online'), since: z.number().int(), history: z.enum(['catching-up', 'complete', 'incomplete']) }),
  /** reason: plain sentences for people, what happened and what to do (chat/connectionReason.ts); retryAt null: stopped for good. */
  z.object({ kind: z.literal('offline'), since: z.number().int(), reason: z.string(), retryAt: z.number().int().nullable() }),
  /** The server refused the credentials of an account that had worked: signed out, password forgotten. */
  z.object({ kind: z.literal('revoked'), at: z.number().int(), reason: z.string() }),
]);

export const DirectoryEntrySchema = z.object({
  jid: z.string(),
  name: z.string(),
  kind: z.enum(['person', 'room']),
  presence: SeenPresenceSchema.nullable(),
});

/** Someone outside the organisation's domains wrote; their messages wait for acceptance. No content. */
export const HeldSenderSchema = z.object({ jid: z.string(), count: z.number().int(), since: z.number() });

export const TranscriptionNoteSchema = z.object({
  /** Refers to this note (held in main) for "Save FHIR file". */
  noteId: z.string(),
  /** Plain text for the EPR, shown for checking and copied to the clipboard. The FHIR file stays in main (saved by noteId). */
  text: z.string(),
});

export const NeedsTranscriptionSchema = z.object({
  messageId: z.number().int(),
  conversationId: z.number().int(),
  conversationTitle: z.string(),
  senderName: z.string(),
  sentAt: z.number().int(),
  /** When retention policy deletes it. */
  expiresAt: z.number().int(),
});

const AuditDetailValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const AuditEntryViewSchema = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  kind: z.string(),
  actor: z.string(),
  details: z.record(z.string(), AuditDetailValue),
});

export const ExportResultSchema = z.object({ saved: z.boolean(), location: z.string().nullable() });

export const SearchHitSchema = MessageViewSchema.extend({ conversationId: z.number().int(), conversationTitle: z.string() });


// ---------------------------------------------------------------------------------------------
// Major-incident mode (docs/INCIDENT-PROTOCOL.md). Kept together so merges stay simple.

/** 'display': a control-room wall screen. Main refuses it every conversation channel. */
export const ProfileKindSchema = z.enum(['person', 'display']);
const IncidentId = z.string().min(1).max(256).regex(/^[^\s\p{Cc}\p{Cf}]+$/u, 'id');
const IncidentTime = z.number().int().min(946_684_800_000).max(32_503_680_000_000);
const AvailabilitySchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('now'), etaMinutes: z.number().int().min(0).max(1440) }).strict(),
  z.object({ status: z.literal('from'), from: IncidentTime }).strict(),
  z.object({ status: z.literal('unavailable') }).strict(),
]);
const RequestLineInputSchema = z
  .object({
    role: z.string().trim().min(1).max(100),
    count: z.number().int().min(1).max(999),
    location: z.string().trim().min(1).max(200),
    by: IncidentTime.nullable(),
  })
  .strict();
const ResponderStatusSchema = z.enum(['offered', 'not-available', 'assigned', 'standby', 'stood-down', 'arrived']);

export const IncidentLineSchema = z.object({
  index: z.number().int(),
  role: z.string(),
  location: z.string(),
  by: z.number().int().nullable(),
  needed: z.number().int(),
  offered: z.number().int(),
  assigned: z.number().int(),
  arrived: z.number().int(),
  filled: z.boolean(),
});

export const IncidentRequestSchema = z.object({
  requestId: z.string(),
  at: z.number().int(),
  by: z.string(),
  note: z.string(),
  closedAt: z.number().int().nullable(),
  filled: z.boolean(),
  totalNeeded: z.number().int(),
  totalAssigned: z.number().int(),
  totalArrived: z.number().int(),
  lines: z.array(IncidentLineSchema),
});

export const IncidentResponderSchema = z.object({
  requestId: z.string(),
  jid: z.string(),
  name: z.string(),
  role: z.string(),
  availability: AvailabilitySchema.nullable(),
  respondedAt: z.number().int().nullable(),
  expectedAt: z.number().int().nullable(),
  status: ResponderStatusSchema,
  directive: z
    .object({
      eventId: z.string(),
      action: z.enum(['come-in', 'standby', 'stand-down']),
      location: z.string().nullable(),
      at: z.number().int(),
      by: z.string(),
      note: z.string(),
      standDownReason: z.enum(STAND_DOWN_REASONS).nullable(),
    })
    .nullable(),
  acknowledged: z.boolean(),
  arrivedAt: z.number().int().nullable(),
  line: z.number().int().nullable(),
  /** Their offer came after the need was filled: they were (or will be) told "not needed now". */
  offeredAfterFilled: z.boolean(),
  responseCount: z.number().int(),
});

/**
 * The incident as this person may see it. Coordinators and displays get every responder; a
 * responder gets only their own rows (never who else offered).
 */
export const IncidentStateSchema = z.object({
  incident: z
    .object({
      incidentId: z.string(),
      name: z.string(),
      details: z.string(),
      exercise: z.boolean(),
      declaredAt: z.number().int(),
      declaredBy: z.string(),
      /** The declarer's name as the directory (IT's roster) gives it; null when it has none. */
      declaredByName: z.string().nullable(),
      closedAt: z.number().int().nullable(),
      myRole: z.enum(['coordinator', 'display', 'responder']),
      coordinators: z.array(z.string()),
      displays: z.array(z.string()),
      announcementRoom: z.string().nullable(),
      coordinationRoom: z.string().nullable(),
      requests: z.array(IncidentRequestSchema),
      responders: z.array(IncidentResponderSchema),
      locations: z.array(z.object({ location: z.string(), needed: z.number().int(), assigned: z.number().int(), arrived: z.number().int() })),
      /** This person's incident messages the server or the recipient refused (kept in the store across a lock or restart). */
      undelivered: z.array(
        z.object({
          /** Pass to 'incident:resend' to send this message again to the same address. */
          ref: z.string(),
          /** 'ready': it can be sent again; 'queued': sent again, waiting for the server; 'no': it cannot be (refused before Wardline kept what to resend). */
          resend: z.enum(['ready', 'queued', 'no']),
          kind: z.enum(['declare', 'request', 'response', 'assign', 'ack', 'arrive', 'standdown', 'close']),
          to: z.string(),
          reason: DeliveryFailureReasonSchema,
          at: z.number().int(),
        }),
      ),
    })
    .nullable(),
  /** Incident messages written but not yet acknowledged by the server (offline). */
  unsent: z.number().int(),
  /** Admin policy names this person as a declarer (no-one else may declare). */
  canDeclare: z.boolean(),
  /** Prefills the response form: the profile's name and role. */
  me: z.object({ jid: z.string().nullable(), name: z.string(), role: z.string() }),
});

export const DisplayViewSchema = z.object({
  title: z.string(),
  exercise: z.boolean(),
  banner: z.literal('EXERCISE').nullable(),
  incidentName: z.string(),
  declaredAt: z.number().int().nullable(),
  elapsedMs: z.number().int(),
  elapsedText: z.string(),
  closed: z.boolean(),
  locations: z.array(
    z.object({ location: z.string(), needed: z.number().int(), assigned: z.number().int(), arrived: z.number().int(), outstanding: z.number().int() }),
  ),
  enRoute: z.array(
    z.object({
      name: z.string(),
      role: z.string(),
      location: z.string(),
      expectedAt: z.number().int().nullable(),
      minutesAway: z.number().int().nullable(),
      overdue: z.boolean(),
    }),
  ),
  announcements: z.array(z.object({ at: z.number().int(), text: z.string() })),
});

const Done = z.object({ done: z.literal(true) });

/**
 * Half-filled incident forms, kept encrypted in main (as message drafts are) so a lock or "Back to
 * messages" does not lose what a coordinator typed. Fields as typed: nothing is checked until the
 * form is submitted.
 */
const FormText = z.string().max(4000);
export const FormNameSchema = z.enum(['incident-declare', 'incident-request']);
export const FormDraftSchema = z.discriminatedUnion('form', [
  z
    .object({
      form: z.literal('incident-declare'),
      fields: z
        .object({
          name: FormText,
          exercise: z.boolean(),
          details: FormText,
          coordinators: FormText,
          displays: FormText,
          announcementRoom: FormText,
          coordinationRoom: FormText,
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      form: z.literal('incident-request'),
      fields: z
        .object({
          lines: z.array(z.object({ role: FormText, count: z.number().nullable(), location: FormText, by: FormText }).strict()).max(32),
          note: FormText,
        })
        .strict(),
    })
    .strict(),
]);
export type FormDraft = z.infer<typeof FormDraftSchema>;

/** Request channels of major-incident mode; merged into `requests` below. */
const incidentRequests = {
  'incident:state': { request: Empty, response: IncidentStateSchema, locked: 'refuse' },
  'incident:getFormDraft': { request: z.object({ form: FormNameSchema }).strict(), response: FormDraftSchema.nullable(), locked: 'refuse' },
  /** `fields: null` forgets the form's draft (it was submitted, or emptied). */
  'incident:saveFormDraft': {
    request: z.union([FormDraftSchema, z.object({ form: FormNameSchema, fields: z.null() }).strict()]),
    response: Done,
    locked: 'refuse',
  },
  'incident:declare': {
    request: z
      .object({
        name: z.string().trim().min(1).max(200),
        exercise: z.boolean(),
        details: z.string().max(4000),
        coordinators: z.array(Jid).max(32),
        displays: z.array(Jid).max(32),
        announcementRoom: Jid.nullable(),
        coordinationRoom: Jid.nullable(),
      })
      .strict(),
    response: z.object({ incidentId: z.string() }),
    locked: 'refuse',
    fields: {
      name: 'Incident name',
      details: 'Details (METHANE)',
      coordinators: 'Other coordinators',
      'coordinators.*': 'Other coordinators, address #',
      displays: 'Control-room displays',
      'displays.*': 'Control-room displays, address #',
      announcementRoom: 'Staff announcement room',
      coordinationRoom: 'Coordination room',
    },
  },
  /** Staff: join the (moderated) announcement room, where call-in requests arrive. */
  'incident:watch': { request: z.object({ roomJid: Jid }).strict(), response: Done, locked: 'refuse', fields: { roomJid: 'Announcement room' } },
  'incident:request': {
    request: z.object({ lines: z.array(RequestLineInputSchema).min(1).max(32), note: z.string().max(1000) }).strict(),
    response: z.object({ requestId: z.string() }),
    locked: 'refuse',
    fields: {
      lines: 'Lines',
      'lines.*.role': 'Role or skill, line #',
      'lines.*.count': 'How many, line #',
      'lines.*.location': 'Report to, line #',
      'lines.*.by': 'By (HH:MM), line #',
      note: 'Note to staff',
    },
  },
  'incident:respond': {
    request: z
      .object({ requestId: IncidentId, availability: AvailabilitySchema, role: z.string().trim().min(1).max(100).optional() })
      .strict(),
    response: Done,
    locked: 'refuse',
    fields: { role: 'Your role or grade', 'availability.etaMinutes': 'ETA (minutes)', 'availability.from': 'From (HH:MM)' },
  },
  'incident:act': {
    request: z
      .object({
        targets: z.array(z.object({ requestId: IncidentId.nullable(), responder: Jid }).strict()).min(1).max(1000),
        action: z.enum(['come-in', 'standby', 'stand-down']),
        /** Come in → report here; omitted: each person's matched line's location. */
        location: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    response: z.object({ sent: z.number().int() }),
    locked: 'refuse',
    fields: { location: 'Report to' },
  },
  /** One of this person's refused incident messages, again, to the same address (after IT fixed the cause). */
  'incident:resend': { request: z.object({ ref: IncidentId }).strict(), response: Done, locked: 'refuse' },
  'incident:endCallIn': { request: z.object({ requestId: IncidentId }).strict(), response: z.object({ stoodDown: z.number().int() }), locked: 'refuse' },
  'incident:acknowledge': { request: z.object({ directiveId: IncidentId }).strict(), response: Done, locked: 'refuse' },
  'incident:arrive': {
    request: z.object({ requestId: IncidentId, location: z.string().trim().min(1).max(200).optional() }).strict(),
    response: Done,
    locked: 'refuse',
  },
  'incident:close': { request: z.object({ note: z.string().max(1000).optional() }).strict(), response: z.object({ stoodDown: z.number().int() }), locked: 'refuse' },
  'incident:export': { request: Empty, response: z.object({ csv: ExportResultSchema, json: ExportResultSchema }), locked: 'refuse' },
  /** The control-room view model: no patient data, NHS numbers masked. */
  'display:view': { request: Empty, response: DisplayViewSchema.nullable(), locked: 'refuse' },
} as const;

/**
 * The only channels a display profile may use once unlocked: no conversation, message, search,
 * directory or transcription channel (allowlist, so a channel added later is refused by default).
 */
export const DISPLAY_PROFILE_CHANNELS: ReadonlySet<string> = new Set([
  'app:info',
  'session:state',
  'session:unlock',
  'session:lock',
  'session:setAutoLock',
  'session:changePin',
  'profiles:create',
  'profiles:remove',
  'account:get',
  'account:set',
  'chat:connection',
  'ui:focus',
  // Not 'incident:state': it names every responder and their availability; the wall needs only display:view.
  'display:view',
]);

/**
 * The on-screen label of each field a person types into, by path ('*' for a list position, '#' in
 * the label for that position counted from 1). Main names the field when it refuses a value.
 */
export type FieldLabels = Readonly<Record<string, string>>;

interface RequestSpec {
  request: z.ZodType;
  response: z.ZodType;
  locked: 'allow' | 'refuse';
  fields?: FieldLabels;
}

/**
 * Request channels. `locked: 'refuse'` marks channels that return message,
 * conversation or patient data: main refuses them unless a profile is unlocked.
 */
export const requests = {
  'app:info': { request: Empty, response: AppInfoSchema, locked: 'allow' },
  'session:state': { request: Empty, response: SessionStateSchema, locked: 'allow' },
  'conversations:list': { request: Empty, response: z.array(ConversationSummarySchema), locked: 'refuse' },
  'profiles:create': {
    request: z.object({ displayName: Label, role: Label, pin: Pin, kind: z.enum(['person', 'display']).optional() }).strict(),
    response: ProfileSummarySchema,
    locked: 'allow',
    fields: { displayName: 'Your name', role: 'Role', pin: 'PIN or passphrase' },
  },
  'profiles:remove': {
    // The person's own PIN: nobody else at a shared PC can wipe their profile.
    request: z.object({ profileId: ProfileId, pin: Pin }).strict(),
    response: z.object({ removed: z.literal(true) }),
    locked: 'allow',
    fields: { pin: 'PIN or passphrase' },
  },
  'session:unlock': {
    request: z.object({ profileId: ProfileId, pin: Pin }).strict(),
    response: SessionStateSchema,
    locked: 'allow',
    fields: { pin: 'PIN or passphrase' },
  },
  'session:lock': { request: Empty, response: SessionStateSchema, locked: 'allow' },
  'session:changePin': {
    // The open profile's PIN: the current one proves it is its owner (a wrong one counts as a
    // failed unlock). The database key is re-wrapped, not the store re-encrypted.
    request: z.object({ currentPin: Pin, newPin: Pin }).strict(),
    response: z.object({ changed: z.literal(true) }),
    locked: 'refuse',
    fields: { currentPin: 'Current PIN or passphrase', newPin: 'New PIN or passphrase' },
  },
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
  'account:get': { request: Empty, response: AccountViewSchema.nullable(), locked: 'refuse' },
  'account:set': {
    // The password goes only into the encrypted store; it never comes back out over IPC.
    request: z
      .object({
        jid: Jid,
        password: z.string().min(1).max(1024),
        host: z
          .string()
          .trim()
          .max(253)
          .regex(/^[a-z0-9.-]+$/i, 'use a server name of letters, digits, dots and hyphens')
          .optional(),
        port: z.number().int().min(1).max(65535).optional(),
      })
      .strict(),
    response: AccountViewSchema,
    locked: 'refuse',
    fields: { jid: 'Messaging address', password: 'Password', host: 'Server', port: 'Port' },
  },
  'chat:connection': { request: Empty, response: ConnectionViewSchema, locked: 'refuse' },
  'messages:send': {
    // The composer's limit is enforced in main with a clear message; this cap only stops abuse of IPC.
    request: z.object({ conversationId: z.number().int().positive(), body: z.string().max(100_000), urgent: z.boolean() }).strict(),
    response: z.object({ messageId: z.number().int() }),
    locked: 'refuse',
    fields: { body: 'Message' },
  },
  // What the person typed and has not sent, kept in the encrypted store per conversation, so a
  // conversation switch, a lock or a restart does not lose it. Sending clears it in main.
  'drafts:get': {
    request: z.object({ conversationId: z.number().int().positive() }).strict(),
    response: z.object({ body: z.string(), urgent: z.boolean() }).nullable(),
    locked: 'refuse',
  },
  'drafts:save': {
    // A blank body removes the draft. The same IPC cap as a message: a draft over the composer's
    // limit is still kept, so the person can shorten it later.
    request: z.object({ conversationId: z.number().int().positive(), body: z.string().max(100_000), urgent: z.boolean() }).strict(),
    response: z.object({ saved: z.literal(true) }),
    locked: 'refuse',
    fields: { body: 'Message' },
  },
  // Sends a bounced ('failed') message of ours again, with its original id. Refused while locked;
  // not in DISPLAY_PROFILE_CHANNELS, so a display profile is refused it too.
  'messages:retry': {
    request: z.object({ messageId: z.number().int().positive() }).strict(),
    response: z.object({ queued: z.literal(true) }),
    locked: 'refuse',
  },
  'messages:search': {
    request: z.object({ query: z.string().trim().min(1).max(200), limit: z.number().int().min(1).max(100) }).strict(),
    response: z.array(SearchHitSchema),
    locked: 'refuse',
    fields: { query: 'Search' },
  },
  'conversations:openDirect': {
    request: z.object({ jid: Jid }).strict(),
    response: z.object({ conversationId: z.number().int() }),
    locked: 'refuse',
    fields: { jid: 'Message an address' },
  },
  'conversations:markRead': {
    request: z.object({ conversationId: z.number().int().positive() }).strict(),
    response: z.object({ done: z.literal(true) }),
    locked: 'refuse',
  },
  /** A team room's notification level (urgent messages notify at every level). */
  'conversations:setNotify': {
    request: z.object({ conversationId: z.number().int().positive(), level: z.enum(NOTIFY_LEVELS) }).strict(),
    response: z.object({ notify: z.enum(NOTIFY_LEVELS) }),
    locked: 'refuse',
    fields: { level: 'Notify me' },
  },
  /** `existingOnly`: join again a room we were in, never recreating one that was closed. */
  'rooms:join': {
    request: z.object({ roomJid: Jid, title: Label.optional(), existingOnly: z.literal(true).optional() }).strict(),
    response: z.object({ conversationId: z.number().int() }),
    locked: 'refuse',
    fields: { roomJid: 'Join or create a team room', title: 'Room name' },
  },
  'rooms:addMembers': {
    request: z.object({ roomJid: Jid, memberJids: z.array(Jid).min(1).max(200) }).strict(),
    response: z.object({ added: z.number().int() }),
    locked: 'refuse',
    fields: { memberJids: 'Addresses to add', 'memberJids.*': 'Addresses to add, address #' },
  },
  /** Who is in a team room now (occupants whose address the room reveals): "@" suggestions, and "People" when the room hides its lists. */
  'rooms:present': {
    request: z.object({ roomJid: Jid }).strict(),
    response: z.array(z.object({ jid: z.string(), name: z.string() })),
    locked: 'refuse',
  },
  /** A team room's owners, admins and members (asked of the server), owners first; membersOnly: only they can read it. */
  'rooms:members': {
    request: z.object({ roomJid: Jid }).strict(),
    response: z.object({
      membersOnly: z.boolean(),
      members: z.array(
        z.object({
          jid: z.string(),
          name: z.string(),
          affiliation: z.enum(['owner', 'admin', 'member']),
          here: z.boolean(),
          you: z.boolean(),
          presence: SeenPresenceSchema.nullable(),
        }),
      ),
    }),
    locked: 'refuse',
  },
  /** Takes someone out of a members-only team room (owners and admins; the server decides). */
  'rooms:removeMember': {
    request: z.object({ roomJid: Jid, memberJid: Jid }).strict(),
    response: z.object({ removed: z.literal(true) }),
    locked: 'refuse',
  },
  /** The person leaves a team room, on every workstation (its bookmark goes); its history stays. Not an incident room. */
  'rooms:leave': {
    request: z.object({ roomJid: Jid }).strict(),
    response: z.object({ left: z.literal(true) }),
    locked: 'refuse',
  },
  'held:list': { request: Empty, response: z.array(HeldSenderSchema), locked: 'refuse' },
  'held:accept': { request: z.object({ jid: Jid }).strict(), response: z.object({ accepted: z.literal(true) }), locked: 'refuse' },
  'held:decline': { request: z.object({ jid: Jid }).strict(), response: z.object({ declined: z.literal(true) }), locked: 'refuse' },
  'directory:list': { request: Empty, response: z.array(DirectoryEntrySchema), locked: 'refuse' },
  /** Where team rooms are made on the organisation's server (disco), so a short room name can be typed. */
  'rooms:service': { request: Empty, response: RoomServiceSchema, locked: 'refuse' },
  // The person's chosen presence, kept in their profile (what colleagues see while messaging is online).
  'presence:get': { request: Empty, response: z.object({ presence: PresenceSchema }), locked: 'refuse' },
  'presence:set': { request: z.object({ presence: PresenceSchema }).strict(), response: z.object({ presence: PresenceSchema }), locked: 'refuse' },
  'ui:focus': {
    // Which conversation is open and whether the window has focus: no notification for what is on screen.
    request: z.object({ conversationId: z.number().int().positive().nullable(), windowFocused: z.boolean() }).strict(),
    response: z.object({ ok: z.literal(true) }),
    // Carries no data either way; the lock screen reports "nothing open".
    locked: 'allow',
  },
  'ui:input': {
    // The person used Wardline's window (key, pointer or wheel; at most every few seconds). The
    // auto-lock's fallback when the OS idle time is stuck (session/failSafeIdle.ts). Only while unlocked.
    request: Empty,
    response: z.object({ ok: z.literal(true) }),
    locked: 'refuse',
  },
  'ui:copied': {
    // The person copied or cut text in Wardline's window (Ctrl+C on a message, the note, a draft). No
    // text travels: main notes what is on the clipboard now and takes it back at the lock, as it
    // does the note it copies itself. Only while unlocked.
    request: Empty,
    response: z.object({ ok: z.literal(true) }),
    locked: 'refuse',
  },
  'transcription:create': {
    request: z
      .object({
        conversationId: z.number().int().positive(),
        messageIds: z.array(z.number().int().positive()).min(1).max(200),
        // Checked against Modulus 11 in main; spaces and dashes allowed as people type them.
        nhsNumber: z.string().trim().max(14).regex(/^[0-9 -]*$/, 'use digits (spaces and dashes are fine)').optional(),
        recordReference: z.string().trim().max(64).optional(),
      })
      .strict(),
    response: TranscriptionNoteSchema,
    locked: 'refuse',
    fields: { nhsNumber: "Patient's NHS number", recordReference: 'Record reference' },
  },
  'transcription:copy': {
    // Main writes the clipboard, and takes the note back on lock.
    request: z.object({ noteId: z.string().regex(/^[a-f0-9]{32}$/) }).strict(),
    response: z.object({ copied: z.literal(true) }),
    locked: 'refuse',
  },
  'transcription:saveFhir': {
    request: z.object({ noteId: z.string().regex(/^[a-f0-9]{32}$/) }).strict(),
    response: ExportResultSchema,
    locked: 'refuse',
  },
  'transcription:deleteOriginals': {
    request: z.object({ conversationId: z.number().int().positive(), messageIds: z.array(z.number().int().positive()).min(1).max(200) }).strict(),
    response: z.object({ removed: z.number().int(), retractionsQueued: z.number().int() }),
    locked: 'refuse',
  },
  'governance:needsTranscription': { request: Empty, response: z.array(NeedsTranscriptionSchema), locked: 'refuse' },
  /** How many wait (the list above is the oldest 200): the count on the workspace's button. */
  'governance:needsTranscriptionCount': { request: Empty, response: z.object({ count: z.number().int().nonnegative() }), locked: 'refuse' },
  'audit:list': {
    request: Empty,
    response: z.object({ entries: z.array(AuditEntryViewSchema), chainIntact: z.boolean() }),
    locked: 'refuse',
  },
  'audit:export': { request: Empty, response: ExportResultSchema, locked: 'refuse' },
  ...incidentRequests,
} as const satisfies Record<string, RequestSpec>;

/** Events pushed from main to the renderer. */
export const events = {
  'session:changed': SessionStateSchema,
  /** The OS is locking the screen: save what is being typed, then ask for the lock (session:lock). */
  'session:will-lock': z.object({}),
  'chat:connection': ConnectionViewSchema,
  /** Content-free: the renderer re-reads what it shows. */
  'conversations:changed': z.object({ conversationIds: z.array(z.number().int()) }),
  'held:changed': z.object({ senders: z.number().int() }),
  /** Content-free: colleagues' presence or the rooms one can join changed; an open directory re-reads. */
  'directory:changed': z.object({}),
  /** Content-free: the incident board may have changed; the renderer re-reads it. */
  'incident:changed': z.object({}),
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
export type DeliveryFailureReason = z.infer<typeof DeliveryFailureReasonSchema>;
export type MessagePage = z.infer<typeof MessagePageSchema>;
export type AccountView = z.infer<typeof AccountViewSchema>;
export type ConnectionView = z.infer<typeof ConnectionViewSchema>;
export type DirectoryEntry = z.infer<typeof DirectoryEntrySchema>;
export type SearchHit = z.infer<typeof SearchHitSchema>;
export type HeldSender = z.infer<typeof HeldSenderSchema>;
export type TranscriptionNote = z.infer<typeof TranscriptionNoteSchema>;
export type NeedsTranscriptionView = z.infer<typeof NeedsTranscriptionSchema>;
export type AuditEntryView = z.infer<typeof AuditEntryViewSchema>;
export type ExportResult = z.infer<typeof ExportResultSchema>;
export type ProfileKind = z.infer<typeof ProfileKindSchema>;
export type IncidentState = z.infer<typeof IncidentStateSchema>;
export type IncidentResponderView = z.infer<typeof IncidentResponderSchema>;
export type DisplayViewModel = z.infer<typeof DisplayViewSchema>;

export const requestChannels = Object.keys(requests) as RequestChannel[];
export const eventNames = Object.keys(events) as EventName[];

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(requests, value);
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
  /** For `invalid-payload`: the request field refused (e.g. 'roomJid'), when it is one a person types. */
  field?: string;
  /** For `internal`: a short code also written to the log, for IT to find the failure by. */
  reference?: string;
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
