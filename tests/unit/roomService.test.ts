import { describe, expect, it } from 'vitest';
import { RETRY_AFTER_NO_ANSWER_MS, RoomService } from '../../electron/core/chat/roomService.js';
import { xml, XmppError, type XmlElement } from '../../electron/core/xmpp/index.js';

const DOMAIN = 'trust.nhs.uk';
const ITEMS = 'http://jabber.org/protocol/disco#items';
const INFO = 'http://jabber.org/protocol/disco#info';

/** A server answering disco#items with `items` and disco#info per address from `identities`. */
function server(items: string[], identities: Record<string, { category: string; type: string }[] | 'error' | 'timeout'>) {
  const asked: string[] = [];
  let failItems = false;
  const iq = async (request: XmlElement): Promise<XmlElement> => {
    const to = String(request.attrs['to']);
    const query = request.getChildElements()[0];
    asked.push(`${query?.attrs['xmlns'] === ITEMS ? 'items' : 'info'} ${to}`);
    if (query?.attrs['xmlns'] === ITEMS) {
      if (failItems) throw new XmppError('timeout', 'No answer');
      return xml('iq', { type: 'result' }, xml('query', { xmlns: ITEMS }, ...items.map((jid) => xml('item', { jid }))));
    }
    const known = identities[to];
    if (known === 'timeout') throw new XmppError('timeout', 'No answer');
    if (known === undefined || known === 'error') throw new XmppError('iq', 'service-unavailable', { condition: 'service-unavailable' });
    return xml('iq', { type: 'result' }, xml('query', { xmlns: INFO }, ...known.map((identity) => xml('identity', identity))));
  };
  return { iq, asked, identities, failNext: () => (failItems = true), recover: () => (failItems = false) };
}

/** A RoomService on `fake`, with a clock the test moves and the log lines it writes. */
function service(fake: ReturnType<typeof server>) {
  const clock = { now: 1_000_000 };
  const lines: string[] = [];
  const rooms = new RoomService({ iq: fake.iq, domain: DOMAIN, log: (line) => lines.push(line), now: () => clock.now });
  return { rooms, clock, lines };
}

const found = (service: string) => ({ kind: 'found', service });

describe('finding where the organisation’s team rooms live', () => {
  it('takes the first of the server’s items that says it hosts text conferences', async () => {
    const fake = server(['upload.trust.nhs.uk', 'rooms.trust.nhs.uk', 'conference.trust.nhs.uk'], {
      'upload.trust.nhs.uk': [{ category: 'store', type: 'file' }],
      'rooms.trust.nhs.uk': [{ category: 'conference', type: 'text' }],
      'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }],
    });
    await expect(service(fake).rooms.answer(true)).resolves.toEqual(found('rooms.trust.nhs.uk'));
  });

  it('never takes a service on another domain, the users’ own domain, a user’s address, or one that answers with an error', async () => {
    const fake = server(['conference.evil.example', 'trust.nhs.uk.evil.example', 'trust.nhs.uk', 'bot@trust.nhs.uk', 'down.trust.nhs.uk'], {
      'conference.evil.example': [{ category: 'conference', type: 'text' }],
      'trust.nhs.uk.evil.example': [{ category: 'conference', type: 'text' }],
      'trust.nhs.uk': [{ category: 'conference', type: 'text' }],
      'bot@trust.nhs.uk': [{ category: 'conference', type: 'text' }],
      'down.trust.nhs.uk': 'error',
    });
    const { rooms } = service(fake);
    await expect(rooms.answer(true)).resolves.toEqual({ kind: 'none' });
    // Only the organisation's own subdomain was even asked about; "none" is kept, not asked again.
    await expect(rooms.answer(true)).resolves.toEqual({ kind: 'none' });
    expect(fake.asked).toEqual(['items trust.nhs.uk', 'info down.trust.nhs.uk']);
  });

  it('does not ask while it cannot (offline): unknown, and asked once it can', async () => {
    const fake = server(['conference.trust.nhs.uk'], { 'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }] });
    const { rooms } = service(fake);
    await expect(rooms.answer(false)).resolves.toEqual({ kind: 'unknown' });
    expect(fake.asked).toEqual([]);
    await expect(rooms.answer(true)).resolves.toEqual(found('conference.trust.nhs.uk'));
    // Known for the session, even while offline again.
    await expect(rooms.answer(false)).resolves.toEqual(found('conference.trust.nhs.uk'));
    expect(fake.asked.filter((line) => line.startsWith('items'))).toHaveLength(1);
  });

  it('after no answer: unknown, logged, not asked again for 30 s (the window asks often), then asked again', async () => {
    const fake = server(['conference.trust.nhs.uk'], { 'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }] });
    const { rooms, clock, lines } = service(fake);
    fake.failNext();
    await expect(rooms.answer(true)).resolves.toEqual({ kind: 'unknown' });
    expect(lines).toEqual(['chat room-service-failed error=timeout']);
    fake.recover();
    clock.now += RETRY_AFTER_NO_ANSWER_MS - 1;
    await expect(rooms.answer(true)).resolves.toEqual({ kind: 'unknown' });
    expect(fake.asked.filter((line) => line.startsWith('items'))).toHaveLength(1);
    clock.now += 1;
    await expect(rooms.answer(true)).resolves.toEqual(found('conference.trust.nhs.uk'));
  });

  it('does not take "no room service" from a service that did not answer at all (slow, or the connection dropped)', async () => {
    const fake = server(['conference.trust.nhs.uk'], { 'conference.trust.nhs.uk': 'timeout' });
    const { rooms, clock } = service(fake);
    await expect(rooms.answer(true)).resolves.toEqual({ kind: 'unknown' });
    fake.identities['conference.trust.nhs.uk'] = [{ category: 'conference', type: 'text' }];
    clock.now += RETRY_AFTER_NO_ANSWER_MS;
    await expect(rooms.answer(true)).resolves.toEqual(found('conference.trust.nhs.uk'));
  });

  it('asks once for questions asked together', async () => {
    const fake = server(['conference.trust.nhs.uk'], { 'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }] });
    const { rooms } = service(fake);
    const answers = await Promise.all([rooms.answer(true), rooms.answer(true)]);
    expect(answers).toEqual([found('conference.trust.nhs.uk'), found('conference.trust.nhs.uk')]);
    expect(fake.asked.filter((line) => line.startsWith('items'))).toHaveLength(1);
  });

  it('takes an item only as a plain domain, compared as main compares addresses (case, trailing dot), never one no address can hold', async () => {
    const fake = server(['rooms here.trust.nhs.uk', 'Conference.Trust.NHS.uk.'], { 'rooms here.trust.nhs.uk': [{ category: 'conference', type: 'text' }], 'Conference.Trust.NHS.uk.': [{ category: 'conference', type: 'text' }], 'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }] });
    await expect(service(fake).rooms.answer(true)).resolves.toEqual(found('conference.trust.nhs.uk'));
  });
});
