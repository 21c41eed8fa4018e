/**
 * A seeded, reproducible messaging profile with clinical-length bodies, so the
 * encrypted store and the plain baseline index exactly the same text.
 */
import type { ReceivedMessageInput } from '../electron/core/store/storeTypes.js';

/** mulberry32: tiny, fast, and good enough to shape test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const openers = [
  'Bed {bed}', 'Side room {room}', 'Bay {bay} bed {bed}', 'Re patient in bed {bed}', 'Update on {bed}', 'FYI', 'Urgent review please',
  'Can someone review', 'Handover', 'Night team', 'Could you call back about', 'Quick one', 'Following ward round',
];
const clauses = [
  'NEWS2 {score}, up from {score2}', 'BP {sys}/{dia}', 'HR {hr} and irregular', 'SpO2 {sat}% on {litres}L', 'temp {temp}',
  'RR {rr}', 'GCS {gcs}', 'lactate {lact}', 'CRP {crp}', 'Hb {hb}', 'potassium {k}', 'creatinine {creat}, AKI stage {aki}',
  'chest pain radiating to left arm', 'ECG shows new ST depression', 'troponin pending', 'bloods sent', 'cultures taken before antibiotics',
  'started IV co-amoxiclav', 'fluid bolus 500ml given', 'catheter bypassing', 'urine output poor overnight', 'fasting from midnight for theatre',
  'nil by mouth', 'family aware and on the way', 'DNACPR in place', 'for ward-based ceiling of care', 'sepsis six started',
  'needs CT head', 'CT abdomen booked for this afternoon', 'awaiting radiology report', 'chest x-ray shows right lower lobe consolidation',
  'wound dressing changed, mild erythema', 'pressure areas intact', 'falls risk, bed rails assessed', 'confused overnight, pulled out cannula',
  'new cannula needed', 'IV access difficult', 'insulin sliding scale running', 'capillary glucose {bm}', 'warfarin held, INR {inr}',
  'enoxaparin prescribed', 'analgesia not touching the pain', 'oramorph given with some effect', 'nausea settled with ondansetron',
  'physio reviewed, mobilising with frame', 'OT assessment tomorrow', 'social worker involved', 'discharge planned for tomorrow if bloods ok',
  'TTOs need writing', 'pharmacy asking about the antibiotic duration', 'microbiology advice requested', 'isolation for C. diff until results',
  'MRSA screen negative', 'COVID swab negative', 'bed manager asking for an update', 'ambulance booked for transfer', 'ITU outreach aware',
  'registrar to review after clinic', 'consultant happy with the plan', 'please document in the notes', 'advice transcribed to EPR',
];
const closers = [
  'Thanks', 'Many thanks', 'Please advise', 'Will escalate if no better', 'Happy to discuss', 'Can you come now?', 'No rush',
  'Please call the ward on {ext}', 'Bleep {ext} if needed', 'Will update at handover', '',
];
const names = ['Patel', 'Smith', 'Okafor', 'Nowak', 'Jones', 'Begum', 'Williams', 'Khan', 'Brown', 'Murphy', 'Singh', 'Evans', 'Taylor', 'Ali'];
const roles = ['Staff Nurse', 'Ward Clerk', 'FY1', 'Registrar', 'Consultant', 'Charge Nurse', 'Bed Manager', 'Porter', 'Pharmacist', 'Physio'];

export interface ProfileShape {
  messages: number;
  conversations: number;
  batchSize: number;
  seed: number;
}

export interface GeneratedMessage {
  /** 0-based position in the profile: the row id minus one in a fresh store. */
  index: number;
  message: Omit<ReceivedMessageInput, 'conversationId'> & { conversation: number };
}

/** Conversation 0 is the busy one: 10% of all messages, at most 100,000. */
export function hotConversationSize(shape: ProfileShape): number {
  return Math.min(100_000, Math.floor(shape.messages / 10));
}

/** Clinical-length message bodies (40..400 characters) drawn from a ward vocabulary. */
export function bodyWriter(random: () => number): { body(): string; pick<T>(list: readonly T[]): T; int(lo: number, hi: number): number } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const fill = (template: string): string =>
    template.replace(/\{(\w+)\}/g, (_, key: string) => {
      switch (key) {
        case 'sys': return String(int(70, 190));
        case 'dia': return String(int(40, 110));
        case 'temp': return `${int(35, 40)}.${int(0, 9)}`;
        case 'lact': case 'inr': case 'k': return `${int(1, 7)}.${int(0, 9)}`;
        default: return String(int(1, 150));
      }
    });
  const body = (): string => {
    // Clinical messages are mostly short; a few run long. 40..400 characters.
    const target = 40 + Math.floor(360 * random() ** 2);
    let text = fill(pick(openers));
    while (text.length < target) text += `, ${fill(pick(clauses))}`;
    const closer = fill(pick(closers));
    text = `${text}.${closer === '' ? '' : ` ${closer}.`}`;
    return text.length > 400 ? `${text.slice(0, 399)}.` : text;
  };

  return { body, pick, int };
}

/**
 * The worst case: every message of a 1,000-message batch goes to a conversation
 * drawn uniformly at random, so each batch touches ~800 conversations. No real
 * sync delivers this shape (see generateSyncPages); kept as the worst case.
 */
export function* generateBatches(shape: ProfileShape): Generator<GeneratedMessage[]> {
  const random = seededRandom(shape.seed);
  const { body, pick, int } = bodyWriter(random);
  const hot = hotConversationSize(shape);
  let sentAt = Date.UTC(2026, 0, 1);
  let hotLeft = hot;
  for (let start = 0; start < shape.messages; start += shape.batchSize) {
    const batch: GeneratedMessage[] = [];
    for (let index = start; index < Math.min(start + shape.batchSize, shape.messages); index += 1) {
      const remaining = shape.messages - index;
      // Spread the busy conversation evenly through the sync.
      const conversation = hotLeft > 0 && random() < hotLeft / remaining ? 0 : 1 + Math.floor(random() * (shape.conversations - 1));
      if (conversation === 0) hotLeft -= 1;
      sentAt += int(0, 3000);
      const sender = pick(names);
      batch.push({
        index,
        message: {
          conversation,
          serverId: `stz-${index.toString(36)}-${Math.floor(random() * 2 ** 32).toString(36)}`,
          originId: `${Math.floor(random() * 2 ** 32).toString(16)}-${Math.floor(random() * 2 ** 32).toString(16)}`,
          senderJid: `${sender.toLowerCase()}.${int(1, 40)}@trust.example`,
          senderName: `${pick(['Dr', 'Nurse', 'Mr', 'Ms'])} ${sender}`,
          senderRole: pick(roles),
          body: body(),
          sentAt,
          receivedAt: sentAt + int(50, 900),
          urgency: random() < 0.03 ? 'urgent' : 'normal',
          patientIdentifier: random() < 0.05,
        },
      });
    }
    yield batch;
  }
}

/** Words to search for, drawn from the same vocabulary as the bodies. */
export function searchQueries(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const words = [...new Set(clauses.join(' ').toLowerCase().match(/[a-z]{4,}/g) ?? [])];
  const pick = (): string => words[Math.floor(random() * words.length)] ?? 'chest';
  return Array.from({ length: count }, (_, i) => {
    switch (i % 3) {
      case 0: return pick();
      case 1: return `${pick()} ${pick()}`;
      default: return pick().slice(0, 4);
    }
  });
}

/** Our own account in the generated profile: the personal archive's owner. */
export const ownJid = 'bench.user@trust.example';

export interface SyncConversation {
  jid: string;
  kind: 'direct' | 'room';
  title: string;
  messages: number;
}

/** One archive page as a MAM catch-up stores it: one insertReceivedBatch, then the cursor write. */
export interface SyncPage {
  /** The archive the page came from: our own JID (all 1:1 chats) or the room's JID. */
  archive: string;
  messages: GeneratedMessage[];
}

export interface SyncProfile {
  conversations: SyncConversation[];
  /** Pages in delivery order; GeneratedMessage.index is the row id minus one in a fresh store. */
  pages(): Generator<SyncPage>;
}

/** About 15% rooms (ward, team and bleep-holder rooms), the rest 1:1 chats. Conversation 0 is the busy room. */
export function roomCount(conversations: number): number {
  return Math.max(1, Math.round(conversations * 0.15));
}

const day = 24 * 60 * 60_000;

/**
 * A time-ordered clinical history delivered as archiveCatchUp delivers it.
 *
 * Shape: a year of messages; conversation 0 is a ward room with 10% of them
 * (100,000 at full size); the others' sizes are Pareto-skewed (rooms about 3x
 * busier), so a few conversations are large and most are small. Each
 * conversation is active in sessions (bursts of messages seconds to minutes
 * apart, at random times), so at any moment only a handful of conversations are
 * active. In 1:1 chats about a third of the messages are our own (they come
 * back through the personal archive too), in rooms about a tenth.
 *
 * Ids as the server and clients make them: archive ids (XEP-0359 stanza-id) are
 * random UUIDs (Prosody's mod_mam), origin ids random per client, so neither
 * is in time order within a conversation.
 *
 * Delivery, as ChatService.#startSession runs it: the personal archive first
 * (every 1:1 message, oldest first, in pages of `pageSize`), then each room's
 * archive in turn, page by page, oldest first. Each page is one
 * insertReceivedBatch call.
 */
export function syncProfile(shape: ProfileShape, pageSize: number): SyncProfile {
  const random = seededRandom(shape.seed ^ 0x5eed);
  const n = shape.conversations;
  const rooms = roomCount(n);
  const hot = hotConversationSize(shape);
  if (shape.messages - hot < n - 1) throw new Error('too few messages for the conversations');

  // Sizes: conversation 0 is the busy room; the rest share what is left, Pareto-skewed (alpha 1.16: "80/20").
  const weights = Array.from({ length: n }, (_, c) => (c === 0 ? 0 : Math.min(600, (1 - random()) ** (-1 / 1.16)) * (c < rooms ? 3 : 1)));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const rest = shape.messages - hot - (n - 1);
  const sizes = weights.map((w, c) => (c === 0 ? hot : 1 + Math.floor((w / total) * rest)));
  for (let left = shape.messages - sizes.reduce((sum, size) => sum + size, 0), c = 1; left > 0; left -= 1, c = (c % (n - 1)) + 1) {
    sizes[c] = (sizes[c] ?? 0) + 1;
  }

  // Timestamps: each conversation in sessions at random times through the year.
  const start = Date.UTC(2025, 0, 1);
  const span = 365 * day;
  const conversationOf = new Uint16Array(shape.messages);
  const sentAtOf = new Float64Array(shape.messages);
  let at = 0;
  for (let c = 0; c < n; c += 1) {
    const room = c < rooms;
    let left = sizes[c] ?? 0;
    while (left > 0) {
      // Session length: geometric, mean 25 messages in a room, 12 in a 1:1 chat.
      const mean = room ? 25 : 12;
      const length = Math.min(left, 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - 1 / mean)));
      let t = start + Math.floor(random() * span);
      for (let i = 0; i < length; i += 1) {
        // Replies seconds to a few minutes apart (exponential, mean 40 s).
        t += 1000 + Math.floor(-Math.log(1 - random()) * 40_000);
        conversationOf[at] = c;
        sentAtOf[at] = t;
        at += 1;
      }
      left -= length;
    }
  }
  const order = new Uint32Array(shape.messages).map((_, i) => i);
  order.sort((a, b) => (sentAtOf[a] ?? 0) - (sentAtOf[b] ?? 0) || a - b);

  const conversations: SyncConversation[] = sizes.map((messages, c) =>
    c < rooms
      ? { jid: `ward-${c}@rooms.trust.example`, kind: 'room', title: `Ward ${c}`, messages }
      : { jid: `staff-${c}@trust.example`, kind: 'direct', title: `Colleague ${c}`, messages },
  );

  const seed = shape.seed;
  function* pages(): Generator<SyncPage> {
    let index = 0;
    const message = (m: number): GeneratedMessage => {
      const c = conversationOf[m] ?? 0;
      const sentAt = sentAtOf[m] ?? 0;
      // Each message's own stream, so any delivery order gives the same text.
      const own = seededRandom((seed + Math.imul(m + 1, 0x9e3779b1)) >>> 0);
      const { body, pick, int } = bodyWriter(own);
      const room = c < rooms;
      const fromSelf = own() < (room ? 0.1 : 0.33);
      const name = pick(names);
      const nick = `${name}.${int(1, 40)}`;
      const jid = conversations[c]?.jid ?? '';
      const hex = (digits: number): string => {
        let out = '';
        while (out.length < digits) out += Math.floor(own() * 2 ** 32).toString(16).padStart(8, '0');
        return out.slice(0, digits);
      };
      const uuid = (): string => {
        const h = hex(32);
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
      };
      const generated: GeneratedMessage = {
        index,
        message: {
          conversation: c,
          serverId: uuid(),
          originId: fromSelf ? `wl-${hex(24)}` : uuid(),
          // As applyReceived keys senders: our bare JID, the peer's bare JID, or the room occupant JID.
          senderJid: fromSelf ? ownJid : room ? `${jid}/${nick}` : jid,
          senderName: fromSelf ? 'Bench User' : `${pick(['Dr', 'Nurse', 'Mr', 'Ms'])} ${name}`,
          senderRole: fromSelf ? 'Staff Nurse' : pick(roles),
          body: body(),
          sentAt,
          receivedAt: sentAt + int(50, 900),
          urgency: own() < 0.03 ? 'urgent' : 'normal',
          patientIdentifier: own() < 0.05,
          fromSelf,
        },
      };
      index += 1;
      return generated;
    };
    // The personal archive: every 1:1 message, oldest first.
    let page: GeneratedMessage[] = [];
    for (const m of order) {
      if ((conversationOf[m] ?? 0) < rooms) continue;
      page.push(message(m));
      if (page.length === pageSize) {
        yield { archive: ownJid, messages: page };
        page = [];
      }
    }
    if (page.length > 0) yield { archive: ownJid, messages: page };
    // Then each room's archive, page by page, oldest first.
    const byRoom: number[][] = Array.from({ length: rooms }, () => []);
    for (const m of order) {
      const c = conversationOf[m] ?? 0;
      if (c < rooms) byRoom[c]?.push(m);
    }
    for (let c = 0; c < rooms; c += 1) {
      const list = byRoom[c] ?? [];
      const archive = conversations[c]?.jid ?? '';
      for (let from = 0; from < list.length; from += pageSize) {
        yield { archive, messages: list.slice(from, from + pageSize).map(message) };
      }
    }
  }

  return { conversations, pages };
}
