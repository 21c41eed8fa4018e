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

export function* generateBatches(shape: ProfileShape): Generator<GeneratedMessage[]> {
  const random = seededRandom(shape.seed);
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
