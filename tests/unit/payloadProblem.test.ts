import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requests, type RequestChannel } from '../../electron/common/contract.js';
import { createDispatcher, type Handlers } from '../../electron/core/ipc/dispatcher.js';
import { payloadProblem } from '../../electron/core/ipc/payloadProblem.js';

/** What main answers when `payload` fails `channel`'s schema, through the contract's own labels. */
function refusal(channel: RequestChannel, payload: unknown) {
  const spec = requests[channel];
  const parsed = spec.request.safeParse(payload);
  if (parsed.success) throw new Error(`${channel} accepted the payload the test meant to be refused.`);
  return payloadProblem(parsed.error.issues, payload, 'fields' in spec ? spec.fields : undefined);
}

const line = { role: 'Scrub nurse', count: 2, location: 'Theatre 3', by: null };

describe('a refused request names the field as the form labels it', () => {
  it.each<[string, RequestChannel, unknown, { field?: string; message: string }]>([
    [
      'an announcement room that is not an address',
      'incident:watch',
      { roomJid: 'ward 7 staff' },
      { field: 'roomJid', message: 'Announcement room: enter an address like name@hospital.example.' },
    ],
    [
      'the second of several coordinators',
      'incident:declare',
      { name: 'Fire', exercise: true, details: '', coordinators: ['a@h.example', 'dr smith'], displays: [], announcementRoom: null, coordinationRoom: null },
      { field: 'coordinators', message: 'Other coordinators, address 2: enter an address like name@hospital.example.' },
    ],
    [
      'an address pasted with a zero-width space in it',
      'conversations:openDirect',
      { jid: 'bo\u200bb@h.example' },
      { field: 'jid', message: 'Message an address: an address cannot hold invisible or look-alike characters: type it rather than paste it.' },
    ],
    [
      'a room address with a ligature a server would fold',
      'rooms:join',
      { roomJid: 'sta\ufb01@conference.h.example' },
      { field: 'roomJid', message: 'Join or create a team room: an address cannot hold invisible or look-alike characters: type it rather than paste it.' },
    ],
    [
      'a staff announcement room on the declare form',
      'incident:declare',
      { name: 'Fire', exercise: true, details: '', coordinators: [], displays: [], announcementRoom: 'mi staff', coordinationRoom: null },
      { field: 'announcementRoom', message: 'Staff announcement room: enter an address like name@hospital.example.' },
    ],
    [
      'a blank location on the second call-in line',
      'incident:request',
      { lines: [line, { ...line, location: '   ' }], note: '' },
      { field: 'lines', message: 'Report to, line 2: this cannot be empty.' },
    ],
    ['a fractional head count', 'incident:request', { lines: [{ ...line, count: 2.5 }], note: '' }, { field: 'lines', message: 'How many, line 1: use a whole number.' }],
    ['a head count of nought', 'incident:request', { lines: [{ ...line, count: 0 }], note: '' }, { field: 'lines', message: 'How many, line 1: the lowest allowed is 1.' }],
    ['a request with no lines', 'incident:request', { lines: [], note: '' }, { field: 'lines', message: 'Lines: add at least one.' }],
    [
      'a port out of range',
      'account:set',
      { jid: 'a@h.example', password: 'x', port: 70000 },
      { field: 'port', message: 'Port: the highest allowed is 65,535.' },
    ],
    [
      'a server name with a space',
      'account:set',
      { jid: 'a@h.example', password: 'x', host: 'xmpp server' },
      { field: 'host', message: 'Server: use a server name of letters, digits, dots and hyphens.' },
    ],
    ['no addresses to add', 'rooms:addMembers', { roomJid: 'r@c.h.example', memberJids: [] }, { field: 'memberJids', message: 'Addresses to add: add at least one.' }],
    [
      'a role left out of a new profile',
      'profiles:create',
      { displayName: 'Sam', pin: '123456' },
      { field: 'role', message: 'Role: this is missing.' },
    ],
    ['a PIN too short', 'profiles:create', { displayName: 'Sam', role: 'Clerk', pin: '123' }, { field: 'pin', message: 'PIN or passphrase: use at least 6 characters.' }],
    [
      'an NHS number with letters',
      'transcription:create',
      { conversationId: 1, messageIds: [1], nhsNumber: '943 A76' },
      { field: 'nhsNumber', message: "Patient's NHS number: use digits (spaces and dashes are fine)." },
    ],
  ])('%s', (_label, channel, payload, expected) => {
    expect(refusal(channel, payload)).toEqual({ code: 'invalid-payload', ...expected });
  });

  it('says how long a message may be, without repeating any of it', () => {
    const body = 'Bed 4 sats 88% '.repeat(7_000);
    const refused = refusal('messages:send', { conversationId: 1, body, urgent: false });
    expect(refused).toEqual({ code: 'invalid-payload', field: 'body', message: 'Message: use at most 100,000 characters.' });
  });

  it('never repeats a hostile value', () => {
    const refused = refusal('rooms:join', { roomJid: '<img src=x onerror=alert(1)>' });
    expect(refused.field).toBe('roomJid');
    expect(refused.message).not.toMatch(/img|onerror|alert/);
  });

  it('keeps the generic refusal for fields nobody types (ids, flags, unknown keys)', () => {
    const generic = { code: 'invalid-payload', message: 'Wardline rejected a malformed request (1 problem(s)).' };
    expect(refusal('session:unlock', { profileId: 'not-an-id', pin: '123456' })).toEqual(generic);
    expect(refusal('messages:send', { conversationId: -1, body: 'x', urgent: false })).toEqual(generic);
    expect(refusal('incident:watch', { roomJid: 'a@h.example', extra: 1 })).toEqual(generic);
    expect(refusal('incident:watch', 'not an object')).toEqual(generic);
  });

  it('names the first labelled field when an unlabelled one is also wrong', () => {
    const refused = refusal('messages:send', { conversationId: 'x', body: 'y'.repeat(100_001), urgent: false });
    expect(refused).toMatchObject({ field: 'body' });
  });

  it('comes back from the dispatcher as the refusal the form shows', async () => {
    const dispatch = createDispatcher({
      appOrigin: 'app://wardline',
      handlers: { 'incident:watch': () => { throw new Error('a refused payload reached the handler'); } } as unknown as Handlers,
      isUnlocked: () => true,
      lockEpoch: () => 0,
    });
    const result = await dispatch({ senderUrl: 'app://wardline/index.html', isMainFrame: true }, 'incident:watch', { roomJid: 'ward 7' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'invalid-payload', field: 'roomJid', message: 'Announcement room: enter an address like name@hospital.example.' },
    });
  });
});

/** The schema a label's path leads to, or null when the path does not exist in the request. */
function schemaAt(schema: z.ZodType, path: readonly string[]): z.ZodType | null {
  let current: z.ZodType = schema;
  for (const part of path) {
    while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    if (part === '*') {
      if (!(current instanceof z.ZodArray)) return null;
      current = current.element as z.ZodType;
    } else if (current instanceof z.ZodObject) {
      const next = (current.shape as Record<string, z.ZodType | undefined>)[part];
      if (next === undefined) return null;
      current = next;
    } else if (current instanceof z.ZodDiscriminatedUnion) {
      const found = (current.options as z.ZodType[]).map((option) => schemaAt(option, [part])).find((s) => s !== null);
      if (found === undefined) return null;
      current = found;
    } else {
      return null;
    }
  }
  return current;
}

describe('the contract field labels', () => {
  const labelled = Object.entries(requests).flatMap(([channel, spec]) =>
    'fields' in spec ? Object.entries(spec.fields as Record<string, string>).map(([path, label]) => ({ channel, spec, path, label })) : [],
  );

  it('label fields of most typed-in requests', () => {
    expect(labelled.length).toBeGreaterThan(30);
  });

  it.each(labelled.map((l) => [`${l.channel} ${l.path}`, l] as const))('%s is a field of that request, and # only under a list', (_name, { spec, path, label }) => {
    expect(schemaAt(spec.request, path.split('.'))).not.toBeNull();
    expect(label.includes('#')).toBe(path.includes('*'));
  });
});
