// Review finding B: log lines never carry sender-written text (NHS IM guidance: logs hold no
// content). A resource, room nick or form field name is chosen by whoever sent the stanza.
import { describe, expect, it } from 'vitest';
import { rejectionLogLine } from '../../electron/core/chat/chatService.js';
import { DeliveryFailures } from '../../electron/core/chat/deliveryFailures.js';
import { buildIncidentMessage } from '../../electron/core/incident/incidentForms.js';
import { IncidentService, type IncidentStore } from '../../electron/core/incident/incidentService.js';
import type { IncidentEventDraft } from '../../electron/core/incident/incidentTypes.js';
import { jidForLog, NS, parseBounce, parseIncoming, parseJid, serverWordForLog, type IncomingContext } from '../../electron/core/messaging/index.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { xml } from '../../electron/core/xmpp/xml.js';

const ME = 'clerk@trust.nhs.uk';
const NHS = '9434765919';
/** A resource (sender-chosen, spaces allowed) that would forge key=value pairs and carry an NHS number. */
const FORGING_RESOURCE = `x reason=ok nhs=${NHS}`;
const EVE = `eve@evil.example/${FORGING_RESOURCE}`;

/** The line carries no sender text: nothing of the resource, no NHS digits, one line, one reason. */
function expectClean(line: string | undefined): void {
  expect(line).toBeDefined();
  const text = line ?? '';
  expect(text).not.toContain('reason=ok');
  expect(text).not.toContain('nhs=');
  expect(text).not.toMatch(/\d{3}.?\d{3}.?\d{4}/);
  for (const part of ['943', '476', '5919']) expect(text).not.toContain(part);
  expect(text).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
  expect(text.match(/ reason=/g)?.length ?? 0).toBeLessThanOrEqual(1);
}

describe('jidForLog', () => {
  it('logs the bare JID only, and escapes anything that could split or disguise the token', () => {
    expect(jidForLog(EVE)).toBe('eve@evil.example');
    expect(jidForLog(parseJid(`${ME}/ward7 pc`))).toBe(ME);
    expect(jidForLog('ward7@conference.trust.nhs.uk')).toBe('ward7@conference.trust.nhs.uk');
    expect(jidForLog(null)).toBe('-');
    // Not a JID at all (a newline in the domain): never logged as given.
    expect(jidForLog(`evil.example\nchat rejected reason=ok`)).toBe('-');
    // Bidi and invisible characters are legal in a localpart; they are shown as escapes.
    expect(jidForLog('ev\u202Ee=x@evil.example')).toBe('ev\\u{202e}e\\u{3d}x@evil.example');
  });
});

describe('serverWordForLog', () => {
  it('escapes a server-chosen word and cuts a huge one (a room service can name its error element anything)', () => {
    expect(serverWordForLog('item-not-found')).toBe('item-not-found');
    expect(serverWordForLog('a b\u202e=c')).toBe('a\\u{20}b\\u{202e}\\u{3d}c');
    expect(serverWordForLog('x'.repeat(100_000))).toBe(`${'x'.repeat(64)}...`);
  });
});

describe('chat log lines', () => {
  it('a spoofed carbon from a full JID is logged with the bare JID, not the resource', () => {
    const context: IncomingContext = { ownJid: `${ME}/ward7-pc`, trustedDomains: ['trust.nhs.uk'], joinedRooms: new Map(), archiveQueries: new Map(), now: () => 0 };
    const inner = xml('message', { xmlns: 'jabber:client', from: 'consultant@trust.nhs.uk/desk', to: ME, type: 'chat', id: 'm-1' }, xml('body', {}, 'hi'));
    const carbon = xml(
      'message',
      { xmlns: 'jabber:client', from: EVE, to: `${ME}/ward7-pc`, type: 'chat' },
      xml('received', { xmlns: 'urn:xmpp:carbons:2' }, xml('forwarded', { xmlns: 'urn:xmpp:forward:0' }, inner)),
    );
    const event = parseIncoming(carbon, context);
    expect(event).toMatchObject({ kind: 'rejected', reason: 'spoofed-carbon', from: EVE });
    if (event.kind !== 'rejected') throw new Error('expected a rejection');
    const line = rejectionLogLine(event);
    expect(line).toBe('chat rejected reason=spoofed-carbon from=eve@evil.example');
    expectClean(line);
  });

  it('a bounce from a full JID (unmatched or spoofed) is logged with the bare JID', async () => {
    const lines: string[] = [];
    const store = {
      findConversationByJid: async () => null,
    } as unknown as WardlineStore;
    const failures = new DeliveryFailures({
      store,
      ownDomain: 'trust.nhs.uk',
      sentRecently: (id) => (id === 'o-1' ? { conversationId: 7, conversationJid: 'consultant@trust.nhs.uk', conversationKind: 'direct' } : undefined),
      resend: () => undefined,
      changed: () => undefined,
      failedForGood: () => undefined,
      log: (line) => lines.push(line),
      roomShut: () => false,
      timers: { setTimeout: () => 0, clearTimeout: () => undefined },
    });
    for (const id of ['o-1', 'o-2']) {
      const stanza = xml(
        'message',
        { xmlns: 'jabber:client', type: 'error', id, from: EVE, to: ME },
        xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })),
      );
      const bounce = parseBounce(stanza);
      expect(bounce).not.toBeNull();
      if (bounce !== null) await failures.bounced(bounce);
    }
    expect(lines).toEqual([
      'chat rejected reason=spoofed-bounce from=eve@evil.example conversation=7',
      'chat bounce-unmatched condition=service-unavailable from=eve@evil.example',
    ]);
    for (const line of lines) expectClean(line);
  });
});

describe('incident log lines', () => {
  const LEAD = 'lead@trust.test';
  const T0 = Date.UTC(2026, 10, 25, 13, 0);
  const memoryStore = (): IncidentStore => {
    const settings = new Map<string, string>();
    return {
      getSetting: async (key: string) => settings.get(key) ?? null,
      setSetting: async (key: string, value: string) => void settings.set(key, value),
      loadIncidentRecords: async () => ({ events: [], outbox: [] }),
      saveIncidentChanges: async () => undefined,
    };
  };

  /** A coordinator's incident service (no chat), logging into `lines`. */
  const leadLogging = async (lines: string[]): Promise<IncidentService> => {
    const lead = new IncidentService({ store: memoryStore(), chat: () => null, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD], log: (l) => lines.push(l) });
    await lead.start();
    return lead;
  };
  const responseFromAmy = (eventId: string): IncidentEventDraft => ({
    kind: 'response', incidentId: 'mi-1', eventId, at: T0, exercise: false, requestId: 'req-1', responder: 'amy@trust.test', name: 'Amy', role: 'ED nurse', availability: { status: 'now', etaMinutes: 10 },
  });

  it('a form with a repeated field logs a reason code, never the field name', async () => {
    const lines: string[] = [];
    const lead = await leadLogging(lines);
    const response = responseFromAmy('ev-1');
    const hostileName = `x\nincident declared by=lead reason=ok nhs=${NHS}\n`;
    for (const [id, extra] of [
      ['d-1', [hostileName, hostileName]],
      ['d-2', ['role']],
    ] as const) {
      const message = buildIncidentMessage({ to: LEAD, type: 'chat', id, event: response });
      const form = message.getChild('x', NS.dataForms);
      expect(form).toBeDefined();
      for (const name of extra) form?.append(xml('field', { var: name }, xml('value', {}, 'a')));
      lead.receive({ message, actor: 'amy@trust.test', source: 'live', conversation: 'amy@trust.test', type: 'chat' });
    }
    expect(lines.slice(-2)).toEqual(['incident ignored reason=duplicate-field', 'incident ignored reason=duplicate-field']);
    for (const line of lines) expectClean(line);
  });

  it('too many values in a field the sender named logs no name either', async () => {
    const lines: string[] = [];
    const lead = await leadLogging(lines);
    const response = responseFromAmy('ev-2');
    const message = buildIncidentMessage({ to: LEAD, type: 'chat', id: 'v-1', event: response });
    const values = Array.from({ length: 200 }, () => xml('value', {}, 'a'));
    message.getChild('x', NS.dataForms)?.append(xml('field', { var: `junk ${NHS}\nforged=1` }, ...values));
    lead.receive({ message, actor: 'amy@trust.test', source: 'live', conversation: 'amy@trust.test', type: 'chat' });
    expect(lines.at(-1)).toBe('incident ignored reason=too-many-values');
    expectClean(lines.at(-1));
  });

  it('a spoofed bounce from a full JID logs the bare JID', async () => {
    const lines: string[] = [];
    const sent: string[] = [];
    const lead = new IncidentService({
      store: memoryStore(),
      chat: () => ({ sendStanza: async (s) => void sent.push(String(s.attrs['id'])), joinRoom: async () => 1, addRoomMembers: async () => undefined }),
      self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' },
      now: () => T0,
      declarers: [LEAD],
      log: (l) => lines.push(l),
    });
    await lead.start();
    await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: ['wall@trust.test'], announcementRoom: null, coordinationRoom: null });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const id = sent[0] ?? '';
    expect(lead.bounced({ id, from: parseJid(EVE)!, errorType: 'cancel', condition: 'service-unavailable', archiveId: null })).toBe(true);
    expect(lines.at(-1)).toBe('incident rejected reason=spoofed-bounce from=eve@evil.example');
    expectClean(lines.at(-1));
  });
});

describe('held outsiders in logs', () => {
  it('names the domain only: the local part is whatever the outsider chose', async () => {
    const { heldDomain } = await import('../../electron/core/chat/heldMessages.js');
    expect(heldDomain('9434765919@evil.example')).toBe('evil.example');
    expect(heldDomain('nurse@evil.example/phone 1')).toBe('evil.example');
    expect(heldDomain('not an address')).toBe('-');
  });
});
