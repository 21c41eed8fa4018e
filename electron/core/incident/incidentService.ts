/**
 * Major-incident mode for one unlocked profile: feeds the incident events the chat layer
 * delivers into the pure board, sends this person's own events, and keeps both in the
 * encrypted store.
 *
 * Why persist rather than re-derive from the archive on every connect: archive catch-up only
 * fetches what is newer than its cursor, and a restart must show the same board at once, before
 * (or without) a connection. Events (our own and received) are appended to the profile's
 * encrypted store, one transaction per burst; sends are kept there too until the server
 * acknowledges them (XEP-0198), so nothing is lost offline or across a restart. Retention
 * purges whole incidents (store), then `forget` drops them here.
 *
 * Logging: kinds, counts and ids only; never names, roles, locations or notes.
 */
import { randomBytes } from 'node:crypto';
import type { StructuredDelivery } from '../chat/chatTypes.js';
import { failureReason, isBounceFromRecipient, jidForLog, parseJid, type MessageBounce } from '../messaging/index.js';
import { DeliveryFailureReasonSchema, type DeliveryFailureReason } from '../../common/contract.js';
import type { XmlElement } from '../xmpp/index.js';
import { actionDrafts, autoReplyDrafts, deriveBoard, incidentIdFor, standDownTargets, type CoordinatorAction } from './board.js';
import { buildIncidentMessage, INCIDENT_LIMITS, incidentDestinations, parseIncidentStanza, type IncidentRoutes } from './incidentForms.js';
import { INCIDENT_KINDS, type Availability, type IncidentBoard, type IncidentEvent, type IncidentEventDraft, type RequestLine } from './incidentTypes.js';
import { INCIDENT_RECORD_MAX_CHARS, type IncidentChanges, type IncidentRecords } from '../store/incidentQueries.js';

/** Late offers are answered after the burst settles, so an archive replay does not race a directive. */
const AUTO_REPLY_DELAY_MS = 750;

export interface IncidentChat {
  sendStanza(stanza: XmlElement): Promise<void>;
  joinRoom(roomJid: string, title?: string, options?: { moderated?: boolean }): Promise<number>;
  addRoomMembers(roomJid: string, memberJids: readonly string[], affiliation?: 'member' | 'admin'): Promise<void>;
}

/** The part of the profile's store this service uses (WardlineStore implements it). */
export interface IncidentStore {
  loadIncidentRecords(): Promise<IncidentRecords>;
  saveIncidentChanges(changes: IncidentChanges): Promise<void>;
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
}

/** The refusals shown as "Not delivered", kept across a lock or restart (no content: kind, address, reason, time). */
const UNDELIVERED_SETTING = 'incident.undelivered';

export interface IncidentServiceDeps {
  store: IncidentStore;
  /** Null until messaging is set up: events are still recorded and sends wait in the outbox. */
  chat: () => IncidentChat | null;
  self: { jid: string; name: string; role: string };
  now?: () => number;
  log?: (line: string) => void;
  /** Content-free: the board may have changed. */
  changed?: () => void;
  /** Admin policy: who may declare. Empty: nobody, so no declaration is accepted (fail closed). */
  declarers: readonly string[];
  autoReplyDelayMs?: number;
}

interface PendingSend {
  id: string;
  to: string;
  type: 'chat' | 'groupchat';
  draft: IncidentEventDraft;
  /** Sent again for this refusal (its id): the refusal's line goes once the server takes this copy. */
  replaces?: string;
}

/** One of our incident messages the server or its recipient refused. */
export interface UndeliveredIncidentMessage {
  /** Names this refusal when asking to send the message again (the transmission's stanza id). */
  ref: string;
  /** 'ready': it can be sent again; 'queued': sent again, waiting for the server; 'no': refused before Wardline kept what to resend. */
  resend: 'ready' | 'queued' | 'no';
  incidentId: string;
  kind: IncidentEventDraft['kind'];
  to: string;
  reason: DeliveryFailureReason;
  at: number;
}

/** Changes waiting for the store, as mutable lists. */
type UnsavedChanges = { events: IncidentChanges['events'][number][]; queued: IncidentChanges['queued'][number][]; sent: string[] };

/** Transmissions remembered for matching bounces, and refusals kept to show; oldest dropped first. */
const SENT_MEMORY = 5_000;
const UNDELIVERED_MEMORY = 50;

export class IncidentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncidentError';
  }
}

export interface DeclareInput {
  name: string;
  exercise: boolean;
  details: string;
  coordinators: readonly string[];
  displays: readonly string[];
  announcementRoom: string | null;
  coordinationRoom: string | null;
}

export type ActTarget = { requestId: string | null; responder: string };

/** A responder sends a handful of events per call-in; a coordinator a few per responder. */
const MAX_EVENTS_PER_SENDER = 5_000;
/** Events for an incident we hold no declaration for yet (they may arrive first); beyond this, a flood. */
const MAX_UNDECLARED_EVENTS = 500;
/** A failed store write is tried again after this long, doubling up to the maximum. */
const PERSIST_RETRY_MS = 2_000;
const PERSIST_RETRY_MAX_MS = 60_000;
/** How far ahead of this machine's clock an event's own timestamp may be. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** The form field names the parser reports (letters, hyphens, underscore): never digits, spaces or newlines. */
const LOGGABLE_FIELD = /^[A-Za-z_-]{1,32}$/;

export const newIncidentId = (prefix: string): string => `${prefix}-${randomBytes(9).toString('hex')}`;
/** A stanza id for one transmission of an event: a bounce names only this. */
const newTransmitId = (): string => `wl-${randomBytes(12).toString('hex')}`;

/**
 * A refusal as kept in the store. `resend` (which of our events, and how it went) is absent from
 * refusals saved before "Send again" existed: those can only be shown.
 */
type StoredRefusal = Omit<UndeliveredIncidentMessage, 'ref' | 'resend'> & { id: string; resend?: { eventId: string; type: 'chat' | 'groupchat' } };

export class IncidentService {
  readonly #deps: IncidentServiceDeps;
  readonly #now: () => number;
  readonly #self: string;
  /** Every copy we hold, keyed by actor, event id and content (the reducer picks among same-id copies). */
  readonly #events = new Map<string, IncidentEvent>();
  #outbox: PendingSend[] = [];
  /** Changes not yet in the store; saved as one transaction per turn of the persist queue. */
  #unsaved: UnsavedChanges = { events: [], queued: [], sent: [] };
  #loading = false;
  readonly #inFlight = new Set<string>();
  /** id → what we transmitted with it: a bounce names only the id. */
  readonly #transmitted = new Map<string, PendingSend>();
  #undelivered: StoredRefusal[] = [];
  /** The one pending retry of a failed store write, and how long the next one waits. */
  #persistRetry: NodeJS.Timeout | null = null;
  #persistRetryMs = PERSIST_RETRY_MS;
  /** Incidents retention deleted: a failed write in flight at the time must not bring them back. */
  readonly #forgotten = new Set<string>();
  #persist: Promise<unknown> = Promise.resolve();
  #persistQueued = false;
  #boards = new Map<string, IncidentBoard>();
  /** Per sender, the events re-dated on arrival (their own stamp and the date given), by their own stamp. */
  readonly #redated = new Map<string, { stamped: number; at: number }[]>();
  #autoTimer: NodeJS.Timeout | null = null;
  #autoRunning = false;
  #autoAgain = false;
  /** Held events per sender and per incident, and incidents with a declaration held (flood limits). */
  readonly #perActor = new Map<string, number>();
  readonly #perIncident = new Map<string, number>();
  readonly #declared = new Set<string>();
  #stopped = false;

  constructor(deps: IncidentServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#self = deps.self.jid;
  }

  /** Loads the persisted events and unsent messages. Corrupt records are logged and skipped, never guessed at. */
  async start(): Promise<void> {
    const records = await this.#deps.store.loadIncidentRecords();
    let skipped = 0;
    this.#loading = true;
    try {
      for (const raw of records.events) {
        const event = parseRecord<IncidentEvent>(raw, isStoredEvent);
        if (event === null) skipped += 1;
        else this.#add(event);
      }
    } finally {
      this.#loading = false;
    }
    this.#outbox = [];
    for (const raw of records.outbox) {
      const entry = parseRecord<PendingSend>(raw, isPendingSend);
      if (entry === null) skipped += 1;
      else this.#outbox.push(entry);
    }
    this.#undelivered = [];
    for (const raw of parseList(await this.#deps.store.getSetting(UNDELIVERED_SETTING))) {
      if (isUndelivered(raw)) this.#undelivered.push(raw);
      else skipped += 1;
    }
    this.#boards.clear();
    this.#log(`incident loaded events=${this.#events.size} unsent=${this.#outbox.length} skipped=${skipped}`);
    this.#scheduleAutoReplies();
    void this.flush();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#autoTimer !== null) clearTimeout(this.#autoTimer);
    this.#autoTimer = null;
    if (this.#persistRetry !== null) clearTimeout(this.#persistRetry);
    this.#persistRetry = null;
  }

  /** Persisted writes finish (for tests and an orderly lock). */
  async idle(): Promise<void> {
    let retried = false;
    while (true) {
      const current = this.#persist;
      await current;
      if (current !== this.#persist || this.#persistQueued) continue;
      // A write that failed is waiting for its retry timer: try it now, once (the store is about to close).
      if (retried || !hasChanges(this.#unsaved)) return;
      retried = true;
      this.#schedulePersist();
    }
  }

  /**
   * From the chat layer: live, carbon and archived copies alike. Returns true when the chat layer
   * should not also store it as a message: every 1:1 incident copy except a directive addressed to
   * this person (which must notify like an urgent message). Room copies stay readable in the room.
   */
  receive(delivery: StructuredDelivery): boolean {
    const parsed = parseIncidentStanza(delivery.message, delivery.actor);
    if (!parsed.ok) {
      // `field` is one of the parser's own field names; checked again so no sender text can reach the log.
      const field = parsed.field !== undefined && LOGGABLE_FIELD.test(parsed.field) ? ` field=${parsed.field}` : '';
      if (parsed.reason !== 'not-incident') this.#log(`incident ignored reason=${parsed.reason}${field}`);
      return false;
    }
    // The sender stamps `at` and the board orders by it: a time in the future would let one event
    // outrank everything after it (or hide an incident). Dropping it would lose every instruction
    // from a coordinator whose clock runs fast, so it is dated when it reached this computer instead.
    const now = this.#now();
    const event = parsed.event.at > now + MAX_CLOCK_SKEW_MS ? this.#redate(parsed.event, now) : parsed.event;
    if (event !== parsed.event) this.#log(`incident redated reason=future-timestamp kind=${event.kind}`);
    // Not stored at all: the board would refuse it anyway, and a refused declaration is a flood vector.
    if (event.kind === 'declare' && !this.#mayDeclare(event.actor)) {
      this.#log('incident ignored reason=declarer-not-allowed');
      return delivery.type === 'chat';
    }
    if (this.#add(event)) this.#changed();
    // Only an instruction the board accepted (from a coordinator) is stored as an urgent message.
    // Deriving the board walks every event, so only a possible directive to this person asks it;
    // a coordinator's burst of responses is then derived once per screen refresh, not per response.
    const forMe = (event.kind === 'assign' || event.kind === 'standdown') && event.responder === this.#self && event.actor !== this.#self;
    // The instruction in force on the board, not merely accepted: one set aside (the automatic
    // "not needed now" that crossed a come-in, a repeated stand-down) must not reach their conversation.
    const directiveToMe =
      forMe &&
      (this.board(event.incidentId)?.responders.some(
        (row) => row.jid === this.#self && row.directive?.eventId === event.eventId && row.directive.by === event.actor,
      ) ??
        false);
    return delivery.type === 'chat' && !directiveToMe;
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /**
   * Incidents whose declaration the board accepted, most recently declared first. A declaration the
   * board refused (not from a permitted declarer) never hides a real incident.
   */
  incidents(): { incidentId: string; declaredAt: number }[] {
    const ids = new Set<string>();
    for (const event of this.#events.values()) if (event.kind === 'declare') ids.add(event.incidentId);
    const accepted: { incidentId: string; declaredAt: number }[] = [];
    for (const incidentId of ids) {
      const declaration = this.board(incidentId)?.declaration;
      if (declaration) accepted.push({ incidentId, declaredAt: declaration.declaredAt });
    }
    return accepted.sort((a, b) => b.declaredAt - a.declaredAt);
  }

  /**
   * The current incident, newest first within each step: one still open that this person
   * coordinates or displays; else, for a control-room display, one naming it (open or closed: it
   * shows nothing else); else one still open; else the most recent. A colleague's later declaration
   * never pulls a coordinator away from the incident they are running, and a later one already
   * closed (a drill) never hides an open one from its responders (review finding). A coordinator
   * whose own incident closed while another is open sees the open one; the closed one's export
   * waits until then.
   */
  currentId(): string | null {
    const incidents = this.incidents();
    const role = (incidentId: string): 'coordinator' | 'display' | 'responder' | null => {
      const board = this.board(incidentId);
      return board === null ? null : this.roleIn(board);
    };
    const open = incidents.filter(({ incidentId }) => this.board(incidentId)?.closedAt === null);
    // Something for this person to answer: an open call-in, or an instruction in force to them. Two
    // declarers declaring the same event (or a second incident) must not hide the older one's call-in.
    const actionable = ({ incidentId }: { incidentId: string }): boolean => {
      const board = this.board(incidentId);
      return (
        board !== null &&
        (board.requests.some((r) => r.closedAt === null) ||
          board.responders.some((r) => r.jid === this.#self && r.directive !== null && r.directive.action !== 'stand-down'))
      );
    };
    const chosen =
      open.find(({ incidentId }) => role(incidentId) === 'coordinator' || role(incidentId) === 'display') ??
      incidents.find(({ incidentId }) => role(incidentId) === 'display') ??
      open.find(actionable) ??
      open[0] ??
      incidents[0];
    return chosen?.incidentId ?? null;
  }

  board(incidentId: string | null = this.currentId()): IncidentBoard | null {
    if (incidentId === null) return null;
    let board = this.#boards.get(incidentId);
    if (board === undefined) {
      const events = [...this.#events.values()].filter((event) => event.incidentId === incidentId);
      board = deriveBoard(events, { incidentId, declarers: this.#deps.declarers });
      this.#boards.set(incidentId, board);
    }
    return board;
  }

  /** Every copy held for one incident (benchmarks and diagnostics). */
  events(incidentId: string): IncidentEvent[] {
    return [...this.#events.values()].filter((event) => event.incidentId === incidentId);
  }

  /** Coordinators and displays see the whole board; anyone else only what concerns them. */
  roleIn(board: IncidentBoard): 'coordinator' | 'display' | 'responder' {
    if (board.declaration?.coordinators.includes(this.#self)) return 'coordinator';
    if (board.declaration?.displays.includes(this.#self)) return 'display';
    return 'responder';
  }

  // -------------------------------------------------------------------------------------------
  // Coordinator actions

  /** Whether this person may declare: admin policy names them. */
  canDeclare(): boolean {
    return this.#mayDeclare(this.#self);
  }

  async declare(input: DeclareInput): Promise<{ incidentId: string }> {
    if (!this.canDeclare()) {
      throw new IncidentError(
        this.#deps.declarers.length === 0
          ? 'Your IT team has not named who may declare a major incident on this network, so Wardline does not accept declarations. Declare it by phone through switchboard as usual.'
          : 'Only the people your IT team named can declare a major incident. Ask the site manager or switchboard to declare it.',
      );
    }
    const name = input.name.trim();
    if (name === '') throw new IncidentError('Give the incident a name.');
    const incidentId = incidentIdFor(this.#self);
    const coordinators = unique([this.#self, ...input.coordinators]);
    // Every call-in names them all as where answers go, in one form field.
    if (unique([...coordinators, ...input.displays]).length > INCIDENT_LIMITS.values) {
      throw new IncidentError(`Name at most ${INCIDENT_LIMITS.values} coordinators and control-room displays together (you included): every call-in must reach them all.`);
    }
    const chat = this.#deps.chat();
    // Rooms first: the declaration names them. A room that cannot be set up is reported, not hidden.
    if (chat !== null) {
      // An empty affiliation list is a bad-request to the room: only ask when there is someone to add.
      const others = (jids: readonly string[]): string[] => unique(jids).filter((jid) => jid !== this.#self);
      if (input.announcementRoom !== null) {
        await chat.joinRoom(input.announcementRoom, `${input.exercise ? 'EXERCISE ' : ''}${name} — announcements`, { moderated: true });
        const admins = others(coordinators);
        if (admins.length > 0) await chat.addRoomMembers(input.announcementRoom, admins, 'admin');
      }
      if (input.coordinationRoom !== null) {
        await chat.joinRoom(input.coordinationRoom, `${input.exercise ? 'EXERCISE ' : ''}${name} — coordination`);
        const members = others([...coordinators, ...input.displays]);
        if (members.length > 0) await chat.addRoomMembers(input.coordinationRoom, members);
      }
    }
    await this.#emit({
      kind: 'declare',
      incidentId,
      eventId: this.#newId(),
      at: this.#now(),
      exercise: input.exercise,
      name,
      details: input.details,
      coordinators,
      displays: unique(input.displays),
      announcementRoom: input.announcementRoom,
      coordinationRoom: input.coordinationRoom,
    });
    return { incidentId };
  }

  async request(input: { incidentId?: string; lines: readonly RequestLine[]; note: string }): Promise<{ requestId: string }> {
    const board = this.#coordinatorBoard(input.incidentId);
    const declaration = board.declaration!;
    if (input.lines.length === 0) throw new IncidentError('Add at least one line: role, how many, and where.');
    const requestId = newIncidentId('req');
    await this.#emit({
      kind: 'request',
      incidentId: board.incidentId,
      eventId: this.#newId(),
      at: this.#now(),
      exercise: declaration.exercise,
      requestId,
      lines: input.lines.map((line) => ({ ...line })),
      replyTo: unique([...declaration.coordinators, ...declaration.displays]),
      note: input.note,
    });
    return { requestId };
  }

  async act(input: { incidentId?: string; targets: readonly ActTarget[]; action: CoordinatorAction }): Promise<{ sent: number }> {
    const board = this.#coordinatorBoard(input.incidentId);
    if (input.targets.length === 0) throw new IncidentError('Choose at least one person.');
    let drafts: IncidentEventDraft[];
    try {
      // Sorted after the answers acted on (a coordinator phoning someone who said "not available").
      const seen = board.responders
        .filter((r) => input.targets.some((t) => t.responder === r.jid && (t.requestId === null || t.requestId === r.requestId)))
        .flatMap((r) => [r.respondedAt ?? -Infinity, r.directive?.at ?? -Infinity]);
      drafts = actionDrafts(board, input.targets, input.action, { ...this.#stamp(), at: this.#after(seen) });
    } catch (error) {
      throw new IncidentError(error instanceof Error ? error.message : 'That action cannot be sent.');
    }
    await this.#emitAll(drafts);
    return { sent: drafts.length };
  }

  /** Ends one call-in: its close, then a stand-down to everyone who offered and was not assigned. */
  async endCallIn(input: { incidentId?: string; requestId: string; note?: string }): Promise<{ stoodDown: number }> {
    const board = this.#coordinatorBoard(input.incidentId);
    const request = board.requests.find((r) => r.requestId === input.requestId);
    if (request === undefined) throw new IncidentError('There is no such call-in.');
    if (request.closedAt === null) {
      await this.#emit({ ...this.#base(board), kind: 'close', requestId: input.requestId, note: input.note ?? '' });
    }
    const after = this.board(board.incidentId)!;
    const targets = standDownTargets(after, 'call-in', input.requestId);
    if (targets.length > 0) await this.act({ incidentId: board.incidentId, targets, action: { action: 'stand-down', reason: 'call-in-ended' } });
    return { stoodDown: targets.length };
  }

  /** Closes the incident, then stands down everyone on the board (stand-downs are accepted after close). */
  async close(input: { incidentId?: string; note?: string }): Promise<{ stoodDown: number }> {
    const board = this.#coordinatorBoard(input.incidentId);
    if (board.closedAt === null) await this.#emit({ ...this.#base(board), kind: 'close', requestId: null, note: input.note ?? '' });
    const targets = standDownTargets(this.board(board.incidentId)!, 'incident');
    const drafts = actionDrafts(this.board(board.incidentId)!, targets, { action: 'stand-down', reason: 'incident-closed' }, this.#stamp());
    await this.#emitAll(drafts);
    return { stoodDown: drafts.length };
  }

  // -------------------------------------------------------------------------------------------
  // Responder actions

  async respond(input: { incidentId?: string; requestId: string; availability: Availability; name?: string; role?: string }): Promise<void> {
    const board = this.#boardHolding(input.incidentId, (b) => b.requests.some((r) => r.requestId === input.requestId));
    const mine = board.responders.filter((r) => r.jid === this.#self && r.requestId === input.requestId);
    const request = board.requests.find((r) => r.requestId === input.requestId);
    if (request === undefined) throw new IncidentError('That call-in request has not reached this computer.');
    const role = (input.role ?? this.#deps.self.role).trim();
    const name = (input.name ?? this.#deps.self.name).trim();
    if (role === '') throw new IncidentError('Say what your role or grade is.');
    if (name === '') throw new IncidentError('Say who you are.');
    // Sorted after what they answer: the instruction they saw and their own earlier answer (a slow clock
    // would otherwise fold a "not available" before the come-in it withdraws).
    const at = this.#after(mine.flatMap((r) => [r.directive?.at ?? -Infinity, r.respondedAt ?? -Infinity]));
    await this.#emit({ ...this.#base(board), at, kind: 'response', requestId: input.requestId, responder: this.#self, name, role, availability: input.availability });
  }

  async acknowledge(input: { incidentId?: string; directiveId: string }): Promise<void> {
    const board = this.#boardHolding(input.incidentId, (b) => b.responders.some((r) => r.jid === this.#self && r.directive?.eventId === input.directiveId));
    const row = board.responders.find((r) => r.jid === this.#self && r.directive?.eventId === input.directiveId);
    if (row === undefined) throw new IncidentError('There is no such instruction to acknowledge.');
    await this.#emit({
      ...this.#base(board),
      kind: 'ack',
      requestId: row.directive?.kind === 'standdown' && row.directive.eventId === input.directiveId ? null : row.requestId,
      responder: this.#self,
      directiveId: input.directiveId,
    });
  }

  async arrive(input: { incidentId?: string; requestId: string; location?: string | null }): Promise<void> {
    const board = this.#boardHolding(input.incidentId, (b) => b.requests.some((r) => r.requestId === input.requestId));
    if (!board.requests.some((r) => r.requestId === input.requestId)) throw new IncidentError('That call-in request has not reached this computer.');
    await this.#emit({ ...this.#base(board), kind: 'arrive', requestId: input.requestId, responder: this.#self, location: input.location ?? null });
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /** Sends whatever is unsent and not already on its way; safe to call on every (re)connect. */
  async flush(): Promise<number> {
    const chat = this.#deps.chat();
    if (chat === null || this.#stopped) return 0;
    const due = this.#outbox.filter((entry) => !this.#inFlight.has(entry.id));
    for (const entry of due) {
      this.#inFlight.add(entry.id);
      let stanza: XmlElement;
      try {
        stanza = buildIncidentMessage({ to: entry.to, type: entry.type, id: entry.id, event: entry.draft });
      } catch {
        // Cannot be built (a bug or a corrupt record): drop it loudly rather than retry forever.
        this.#log(`incident send-dropped kind=${entry.draft.kind} reason=invalid`);
        this.#settled(entry.id, false);
        continue;
      }
      this.#remember(entry);
      chat.sendStanza(stanza).then(
        () => this.#settled(entry.id),
        () => {
          // Kept: the next flush (reconnect or restart) sends it again.
          this.#inFlight.delete(entry.id);
        },
      );
    }
    return due.length;
  }

  unsent(): number {
    return this.#outbox.length;
  }

  /**
   * A refusal of one of our incident messages (chat layer: onForeignBounce). The server's ack
   * already took it out of the outbox, so without this a call-in the announcement room refused
   * (a coordinator IT did not make a moderator) would vanish without a trace. Only the recipient
   * or our own server may refuse it (as for chat messages). Returns true when the id was ours.
   */
  bounced(bounce: MessageBounce): boolean {
    const sent = this.#transmitted.get(bounce.id);
    if (sent === undefined) return false;
    const kind = sent.type === 'groupchat' ? 'room' : 'direct';
    const ownDomain = parseJid(this.#self)?.domain ?? '';
    if (!isBounceFromRecipient(bounce.from, { jid: sent.to, kind }, ownDomain)) {
      this.#log(`incident rejected reason=spoofed-bounce from=${jidForLog(bounce.from)}`);
      return true;
    }
    this.#transmitted.delete(bounce.id);
    // One line per message and address: a copy sent again and refused again replaces its earlier line.
    const refusal: StoredRefusal = {
      id: bounce.id,
      incidentId: sent.draft.incidentId,
      kind: sent.draft.kind,
      to: sent.to,
      reason: failureReason(bounce.condition, kind),
      at: this.#now(),
      resend: { eventId: sent.draft.eventId, type: sent.type },
    };
    this.#undelivered = [
      ...this.#undelivered.filter((entry) => entry.id !== bounce.id && !(entry.resend?.eventId === sent.draft.eventId && entry.to === refusal.to)),
      refusal,
    ].slice(-UNDELIVERED_MEMORY);
    this.#saveUndelivered();
    this.#log(`incident bounced kind=${sent.draft.kind} condition=${bounce.condition}`);
    this.#changed();
    return true;
  }

  /** Our incident messages refused, oldest first (kept across a lock or restart). */
  undelivered(incidentId: string): UndeliveredIncidentMessage[] {
    const refusals = this.#undelivered.filter((entry) => entry.incidentId === incidentId);
    if (refusals.length === 0) return [];
    const queued = new Set(this.#outbox.map((entry) => entry.replaces));
    // One walk over the events (read on every board refresh), not one per refusal.
    const mine = new Set(Array.from(this.#ownEvents(incidentId), (event) => event.eventId));
    return refusals.map(({ id, kind, to, reason, at, resend }) => ({
      ref: id,
      resend: queued.has(id) ? 'queued' : resend !== undefined && mine.has(resend.eventId) ? 'ready' : 'no',
      incidentId,
      kind,
      to,
      reason,
      at,
    }));
  }

  /**
   * Sends one refused message again, to the same address, as it was: once the cause is fixed
   * (IT created the account, or made this person a moderator of the room). The same event id, so
   * a recipient that already holds it keeps one copy. The refusal stays listed (as waiting) until
   * the server takes the new copy, so a failed save or a restart before then loses nothing; a new
   * refusal replaces it.
   */
  async resend(ref: string): Promise<void> {
    const refusal = this.#undelivered.find((entry) => entry.id === ref);
    if (refusal === undefined) throw new IncidentError('That message is no longer listed as not delivered: it may have been sent again already.');
    if (this.#outbox.some((entry) => entry.replaces === ref)) throw new IncidentError('That message is already waiting to be sent again.');
    const eventId = refusal.resend?.eventId;
    const event = eventId === undefined ? undefined : Array.from(this.#ownEvents(refusal.incidentId)).find((own) => own.eventId === eventId);
    if (refusal.resend === undefined || event === undefined) {
      throw new IncidentError('Wardline cannot send that message again: it was refused before this version kept what to resend. Pass it on by phone.');
    }
    const entry: PendingSend = { id: newTransmitId(), to: refusal.to, type: refusal.resend.type, draft: asDraft(event), replaces: ref };
    if (!fitsRecord(entry)) throw new IncidentError('That message is too long to be recorded again on this computer. Pass it on by phone.');
    this.#queue([entry]);
    await this.#persist;
    this.#log(`incident resent kind=${event.kind}`);
    this.#changed();
    void this.flush();
  }

  /** This person's own events in one incident (what "Send again" may send). */
  *#ownEvents(incidentId: string): Generator<IncidentEvent> {
    for (const event of this.#events.values()) if (event.actor === this.#self && event.incidentId === incidentId) yield event;
  }

  /** Best effort: a refusal that could not be saved is still shown until the next lock. */
  #saveUndelivered(): void {
    this.#deps.store
      .setSetting(UNDELIVERED_SETTING, JSON.stringify(this.#undelivered))
      .catch((error: unknown) => this.#log(`incident undelivered-save-failed error=${error instanceof Error ? error.name : 'unknown'}`));
  }

  #remember(entry: PendingSend): void {
    this.#transmitted.delete(entry.id);
    this.#transmitted.set(entry.id, entry);
    const oldest = this.#transmitted.keys().next();
    if (this.#transmitted.size > SENT_MEMORY && oldest.done !== true) this.#transmitted.delete(oldest.value);
  }

  /** Acknowledged by the server (or unsendable): out of the outbox, here and in the store. */
  #settled(id: string, acknowledged = true): void {
    const replaces = acknowledged ? this.#outbox.find((e) => e.id === id)?.replaces : undefined;
    this.#outbox = this.#outbox.filter((e) => e.id !== id);
    if (replaces !== undefined && this.#undelivered.some((entry) => entry.id === replaces)) {
      // The copy sent again is with the server: its old refusal goes (a new one would replace it anyway).
      this.#undelivered = this.#undelivered.filter((entry) => entry.id !== replaces);
      this.#saveUndelivered();
      this.#changed();
    }
    this.#inFlight.delete(id);
    this.#unsaved.sent.push(id);
    this.#schedulePersist();
  }

  /** Incidents declared (accepted) and not closed: retention keeps these longer. */
  openIncidentIds(): string[] {
    return this.incidents()
      .map(({ incidentId }) => incidentId)
      .filter((incidentId) => this.board(incidentId)?.closedAt === null);
  }

  /** The announcement and coordination rooms of the incidents not closed. */
  roomsInUse(): string[] {
    return this.openIncidentIds().flatMap((incidentId) => {
      const declaration = this.board(incidentId)?.declaration;
      return declaration ? [declaration.announcementRoom, declaration.coordinationRoom].filter((room) => room !== null) : [];
    });
  }

  /** Retention purged these incidents from the store: drop them here too. */
  forget(incidentIds: readonly string[]): void {
    if (incidentIds.length === 0) return;
    const gone = new Set(incidentIds);
    for (const [key, event] of this.#events) {
      if (!gone.has(event.incidentId)) continue;
      this.#events.delete(key);
      this.#perActor.set(event.actor, (this.#perActor.get(event.actor) ?? 1) - 1);
    }
    for (const incidentId of gone) {
      this.#perIncident.delete(incidentId);
      this.#declared.delete(incidentId);
      this.#boards.delete(incidentId);
    }
    for (const incidentId of gone) this.#forgotten.add(incidentId);
    this.#outbox = this.#outbox.filter((entry) => !gone.has(entry.draft.incidentId));
    this.#unsaved = this.#withoutForgotten(this.#unsaved);
    for (const [id, entry] of this.#transmitted) if (gone.has(entry.draft.incidentId)) this.#transmitted.delete(id);
    this.#undelivered = this.#undelivered.filter((entry) => !gone.has(entry.incidentId));
    this.#saveUndelivered();
    this.#log(`incident forgotten incidents=${gone.size}`);
    this.#changed();
  }

  /** Several people at once: if one cannot be sent, say how many already were (they cannot be taken back). */
  async #emitAll(drafts: readonly IncidentEventDraft[]): Promise<void> {
    for (const [index, draft] of drafts.entries()) {
      try {
        await this.#emit(draft);
      } catch (error) {
        if (index === 0 || !(error instanceof IncidentError)) throw error;
        throw new IncidentError(`Sent for ${index} of ${drafts.length} people; not for the rest. ${error.message}`);
      }
    }
  }

  async #emit(draft: IncidentEventDraft): Promise<void> {
    const board = draft.kind === 'declare' ? null : this.board(draft.incidentId);
    const routes = this.#routes(draft, board);
    const destinations = incidentDestinations(draft, routes);
    const entries = destinations.map((destination): PendingSend => ({ id: newTransmitId(), ...destination, draft }));
    // Checked before it is shown or queued: one the form cannot carry (e.g. more addresses to reply
    // to than a form field takes) would otherwise sit on our own board, never sent (review finding).
    try {
      buildIncidentMessage({ to: this.#self, type: 'chat', id: 'check', event: draft });
    } catch {
      throw new IncidentError(`That is more than a major-incident message can carry (at most ${INCIDENT_LIMITS.values} coordinators and control-room displays together). It was not sent.`);
    }
    // Our own copy is folded in at once: the board shows it before the server has it.
    if (!entries.every(fitsRecord) || !this.#add({ ...draft, actor: this.#self } as IncidentEvent)) {
      throw new IncidentError('That could not be recorded on this computer: it is too long, or this incident has too many records. It was not sent.');
    }
    this.#queue(entries);
    await this.#persist;
    this.#log(`incident sent kind=${draft.kind} copies=${destinations.length}`);
    this.#changed();
    void this.flush();
  }

  /** Into the outbox, here and (next turn of the persist queue) in the store. */
  #queue(entries: readonly PendingSend[]): void {
    for (const entry of entries) {
      this.#outbox.push(entry);
      this.#unsaved.queued.push({ id: entry.id, incidentId: entry.draft.incidentId, entry: JSON.stringify(entry) });
    }
    this.#schedulePersist();
  }

  #routes(draft: IncidentEventDraft, board: IncidentBoard | null): IncidentRoutes {
    const declaration =
      draft.kind === 'declare'
        ? { coordinators: draft.coordinators, displays: draft.displays, announcementRoom: draft.announcementRoom, coordinationRoom: draft.coordinationRoom }
        : board?.declaration;
    if (declaration === undefined || declaration === null) throw new IncidentError('That incident has not reached this computer.');
    let replyTo: string[] | undefined;
    if (draft.kind === 'response' || draft.kind === 'ack' || draft.kind === 'arrive') {
      const request = draft.requestId === null ? undefined : board?.requests.find((r) => r.requestId === draft.requestId);
      replyTo = request?.replyTo ?? unique([...declaration.coordinators, ...declaration.displays]);
    }
    return {
      self: this.#self,
      coordinators: declaration.coordinators,
      displays: declaration.displays,
      announcementRoom: declaration.announcementRoom,
      coordinationRoom: declaration.coordinationRoom,
      ...(replyTo ? { replyTo } : {}),
    };
  }

  #base(board: IncidentBoard): { incidentId: string; eventId: string; at: number; exercise: boolean } {
    return { incidentId: board.incidentId, eventId: this.#newId(), at: this.#now(), exercise: board.declaration?.exercise ?? false };
  }

  /**
   * Now, or just after the latest of `seen` when this clock runs behind it: an event made in answer
   * to another must sort after it. Bounded, so a sender's own skew cannot push ours past what
   * receivers accept (MAX_CLOCK_SKEW_MS).
   */
  #after(seen: readonly number[]): number {
    const now = this.#now();
    const latest = Math.max(-Infinity, ...seen);
    return Math.max(now, Math.min(latest + 1, now + MAX_CLOCK_SKEW_MS / 5));
  }

  #stamp(): { at: number; newId: () => string } {
    return { at: this.#now(), newId: () => this.#newId() };
  }

  #newId(): string {
    return `ev-${randomBytes(9).toString('hex')}`;
  }

  #mayDeclare(jid: string): boolean {
    return this.#deps.declarers.includes(jid);
  }

  #anyBoard(incidentId: string | undefined): IncidentBoard {
    const board = this.board(incidentId ?? this.currentId());
    if (board === null || board.declaration === null) throw new IncidentError('There is no major incident on this computer.');
    return board;
  }

  /**
   * A responder's answer names a request or instruction, whose ids are unique: it belongs to the
   * incident holding it (newest first), whichever incident the screen shows as current.
   */
  #boardHolding(incidentId: string | undefined, holds: (board: IncidentBoard) => boolean): IncidentBoard {
    if (incidentId !== undefined) return this.#anyBoard(incidentId);
    for (const { incidentId: id } of this.incidents()) {
      const board = this.board(id);
      if (board !== null && board.declaration !== null && holds(board)) return board;
    }
    return this.#anyBoard(undefined);
  }

  #coordinatorBoard(incidentId: string | undefined): IncidentBoard {
    const board = this.#anyBoard(incidentId);
    if (this.roleIn(board) !== 'coordinator') throw new IncidentError('Only the incident’s coordinators can do that.');
    return board;
  }

  // -------------------------------------------------------------------------------------------
  // Event set, persistence, automatic replies

  /**
   * The date a too-far-ahead event is kept under. Another copy of one already re-dated (live, carbon,
   * the archive, a catch-up after a restart) is that copy, not a new event dated again. And a sender's
   * re-dated events keep the order of their own stamps: several arriving in the same moment (a
   * catch-up) would otherwise share one date and fold in id order (a stand-down before the come-in
   * it withdraws).
   */
  #redate(event: IncidentEvent, now: number): IncidentEvent {
    const json = JSON.stringify(event);
    for (const held of this.#events.values()) {
      if (held.actor === event.actor && held.eventId === event.eventId && held.at !== event.at && JSON.stringify({ ...held, at: event.at }) === json) return held;
    }
    const dated = this.#redated.get(event.actor) ?? [];
    let index = dated.findIndex((entry) => entry.stamped > event.at);
    if (index === -1) index = dated.length;
    const before = dated[index - 1];
    const after = dated[index];
    let at = before !== undefined ? Math.max(now, before.at + 1) : now;
    if (after !== undefined && at >= after.at) at = Math.max(after.at - 1, before !== undefined ? before.at : -Infinity);
    dated.splice(index, 0, { stamped: event.at, at });
    this.#redated.set(event.actor, dated);
    return { ...event, at };
  }

  /** True when new. Bounded: one sender, or events for incidents nobody declared, cannot flood the store. */
  #add(event: IncidentEvent): boolean {
    const json = JSON.stringify(event);
    // The form limits keep real events far below this; one that is not would be refused by the
    // store, and must not take the rest of its batch down with it.
    if (json.length > INCIDENT_RECORD_MAX_CHARS) {
      this.#log(`incident ignored reason=over-size kind=${event.kind}`);
      return false;
    }
    const key = `${event.actor}\u0000${event.eventId}\u0000${json}`;
    if (this.#events.has(key)) return false;
    // Loading: what is stored was admitted when it arrived (in an order the store does not keep).
    if (!this.#loading && !this.#hasRoomFor(event)) {
      this.#log(`incident ignored reason=over-limit kind=${event.kind}`);
      return false;
    }
    this.#events.set(key, event);
    this.#count(event);
    this.#boards.delete(event.incidentId);
    if (!this.#loading) {
      this.#unsaved.events.push({ incidentId: event.incidentId, event: json });
      this.#schedulePersist();
    }
    return true;
  }

  /** Counters kept alongside the event set: each add is O(incidents), not O(events). */
  #hasRoomFor(event: IncidentEvent): boolean {
    if ((this.#perActor.get(event.actor) ?? 0) >= MAX_EVENTS_PER_SENDER) return false;
    if (event.kind === 'declare' || this.#declared.has(event.incidentId)) return true;
    let undeclared = 0;
    for (const [incidentId, count] of this.#perIncident) if (!this.#declared.has(incidentId)) undeclared += count;
    return undeclared < MAX_UNDECLARED_EVENTS;
  }

  #count(event: IncidentEvent): void {
    this.#perActor.set(event.actor, (this.#perActor.get(event.actor) ?? 0) + 1);
    this.#perIncident.set(event.incidentId, (this.#perIncident.get(event.incidentId) ?? 0) + 1);
    if (event.kind === 'declare') this.#declared.add(event.incidentId);
  }

  #changed(): void {
    this.#scheduleAutoReplies();
    this.#deps.changed?.();
  }

  /** Coalesces writes: a burst of 500 responses is one transaction per turn of the queue, not 500. */
  #schedulePersist(): void {
    if (this.#persistQueued) return;
    this.#persistQueued = true;
    this.#persist = this.#persist.then(async () => {
      this.#persistQueued = false;
      const changes = this.#unsaved;
      this.#unsaved = { events: [], queued: [], sent: [] };
      if (!hasChanges(changes)) return;
      try {
        await this.#deps.store.saveIncidentChanges(changes);
        this.#persistRetryMs = PERSIST_RETRY_MS;
      } catch {
        // Kept and retried (and once more before a lock closes the store): nothing is dropped silently.
        this.#unsaved = this.#withoutForgotten({
          events: [...changes.events, ...this.#unsaved.events],
          queued: [...changes.queued, ...this.#unsaved.queued],
          sent: [...changes.sent, ...this.#unsaved.sent],
        });
        this.#log('incident persist-failed');
        this.#retryPersistLater();
      }
    });
  }

  /** One retry timer at a time, backing off, none after stop (idle() makes the last attempt). */
  #retryPersistLater(): void {
    if (this.#stopped || this.#persistRetry !== null) return;
    this.#persistRetry = setTimeout(() => {
      this.#persistRetry = null;
      this.#schedulePersist();
    }, this.#persistRetryMs);
    this.#persistRetry.unref?.();
    this.#persistRetryMs = Math.min(this.#persistRetryMs * 2, PERSIST_RETRY_MAX_MS);
  }

  #withoutForgotten(changes: IncidentChanges): UnsavedChanges {
    const kept = (row: { incidentId: string }): boolean => !this.#forgotten.has(row.incidentId);
    return { events: changes.events.filter(kept), queued: changes.queued.filter(kept), sent: [...changes.sent] };
  }


  #scheduleAutoReplies(): void {
    if (this.#stopped) return;
    if (this.#autoTimer !== null) clearTimeout(this.#autoTimer);
    this.#autoTimer = setTimeout(() => {
      this.#autoTimer = null;
      void this.#runAutoReplies();
    }, this.#deps.autoReplyDelayMs ?? AUTO_REPLY_DELAY_MS);
    this.#autoTimer.unref?.();
  }

  /**
   * One run at a time: each reply sent changes the board and schedules another run, which would
   * otherwise start while this one is still sending from its older board and send the same
   * "not needed now" again (several per person in a burst of late offers). A run asked for
   * meanwhile goes once this one is done, from the board as it is then.
   */
  async #runAutoReplies(): Promise<void> {
    if (this.#autoRunning) {
      this.#autoAgain = true;
      return;
    }
    this.#autoRunning = true;
    try {
      do {
        this.#autoAgain = false;
        await this.#sendAutoReplies();
      } while (this.#autoAgain && !this.#stopped);
    } finally {
      this.#autoRunning = false;
    }
  }

  async #sendAutoReplies(): Promise<void> {
    for (const { incidentId } of this.incidents()) {
      if (this.#stopped) return;
      const board = this.board(incidentId);
      if (board === null || this.roleIn(board) !== 'coordinator') continue;
      const drafts = autoReplyDrafts(board, this.#self, this.#stamp());
      for (const draft of drafts) await this.#emit(draft).catch(() => this.#log('incident auto-reply-failed'));
      if (drafts.length > 0) this.#log(`incident auto-replies count=${drafts.length}`);
    }
  }

  #log(line: string): void {
    this.#deps.log?.(line);
  }
}

/** Whether an outbox entry fits the store's record limit (a larger one would refuse every write after it). */
const fitsRecord = (entry: PendingSend): boolean => JSON.stringify(entry).length <= INCIDENT_RECORD_MAX_CHARS;

/** An event as it is sent: who sent it is what the server vouches for, never a field of the message. */
function asDraft(event: IncidentEvent): IncidentEventDraft {
  const draft: Partial<IncidentEvent> = { ...event };
  delete draft.actor;
  return draft as IncidentEventDraft;
}

const hasChanges = (changes: IncidentChanges): boolean => changes.events.length + changes.queued.length + changes.sent.length > 0;

function unique(jids: readonly string[]): string[] {
  return [...new Set(jids)];
}

/** One stored record, or null when it is not valid JSON of the expected shape (logged as skipped). */
function parseRecord<T>(raw: string, is: (value: Record<string, unknown>) => boolean): T | null {
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && is(parsed as Record<string, unknown>) ? (parsed as T) : null;
  } catch {
    return null;
  }
}

/** Written by this service, so the envelope is enough; the board checks every field it uses. */
function isStoredEvent(value: Record<string, unknown>): boolean {
  return (
    (INCIDENT_KINDS as readonly unknown[]).includes(value['kind']) &&
    typeof value['incidentId'] === 'string' &&
    typeof value['eventId'] === 'string' &&
    typeof value['actor'] === 'string' &&
    typeof value['at'] === 'number'
  );
}

/** A JSON array written by this service; anything else reads as empty. */
function parseList(raw: string | null): unknown[] {
  if (raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function isUndelivered(value: unknown): value is StoredRefusal {
  if (value === null || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry['id'] === 'string' &&
    (entry['resend'] === undefined || isResendRecord(entry['resend'])) &&
    typeof entry['incidentId'] === 'string' &&
    (INCIDENT_KINDS as readonly unknown[]).includes(entry['kind']) &&
    typeof entry['to'] === 'string' &&
    DeliveryFailureReasonSchema.safeParse(entry['reason']).success &&
    typeof entry['at'] === 'number'
  );
}

function isResendRecord(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const resend = value as Record<string, unknown>;
  return typeof resend['eventId'] === 'string' && (resend['type'] === 'chat' || resend['type'] === 'groupchat');
}

function isPendingSend(value: Record<string, unknown>): boolean {
  const draft = value['draft'];
  return (
    typeof value['id'] === 'string' &&
    (value['replaces'] === undefined || typeof value['replaces'] === 'string') &&
    typeof value['to'] === 'string' &&
    (value['type'] === 'chat' || value['type'] === 'groupchat') &&
    draft !== null &&
    typeof draft === 'object' &&
    isStoredEvent({ ...(draft as Record<string, unknown>), actor: '' })
  );
}
