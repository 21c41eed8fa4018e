import { describe, expect, it } from 'vitest';
import { RoomService } from '../../electron/core/chat/roomService.js';
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

describe('finding where the organisation’s team rooms live', () => {
  it('takes the first of the server’s items that says it hosts text conferences', async () => {
    const fake = server(['upload.trust.nhs.uk', 'rooms.trust.nhs.uk', 'conference.trust.nhs.uk'], {
      'upload.trust.nhs.uk': [{ category: 'store', type: 'file' }],
      'rooms.trust.nhs.uk': [{ category: 'conference', type: 'text' }],
      'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }],
    });
    await expect(new RoomService({ iq: fake.iq, domain: DOMAIN }).find()).resolves.toBe('rooms.trust.nhs.uk');
  });

  it('never takes a service on another domain, a user’s address, or one that does not answer', async () => {
    const fake = server(['conference.evil.example', 'trust.nhs.uk.evil.example', 'bot@trust.nhs.uk', 'down.trust.nhs.uk'], {
      'conference.evil.example': [{ category: 'conference', type: 'text' }],
      'trust.nhs.uk.evil.example': [{ category: 'conference', type: 'text' }],
      'bot@trust.nhs.uk': [{ category: 'conference', type: 'text' }],
      'down.trust.nhs.uk': 'error',
    });
    await expect(new RoomService({ iq: fake.iq, domain: DOMAIN }).find()).resolves.toBeNull();
    // Only the organisation's own subdomain was even asked about.
    expect(fake.asked).toEqual(['items trust.nhs.uk', 'info down.trust.nhs.uk']);
  });

  it('asks once, and again after a failure rather than remembering it', async () => {
    const fake = server(['conference.trust.nhs.uk'], { 'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }] });
    const service = new RoomService({ iq: fake.iq, domain: DOMAIN });
    fake.failNext();
    await expect(service.find()).rejects.toThrow('No answer');
    fake.recover();
    await expect(service.find()).resolves.toBe('conference.trust.nhs.uk');
    await expect(service.find()).resolves.toBe('conference.trust.nhs.uk');
    expect(fake.asked.filter((line) => line.startsWith('items'))).toHaveLength(2);
  });

  it('does not remember "no room service" when the service itself did not answer (slow, or the connection dropped)', async () => {
    const fake = server(['conference.trust.nhs.uk'], { 'conference.trust.nhs.uk': 'timeout' });
    const service = new RoomService({ iq: fake.iq, domain: DOMAIN });
    await expect(service.find()).rejects.toThrow('No answer');
    fake.identities['conference.trust.nhs.uk'] = [{ category: 'conference', type: 'text' }];
    await expect(service.find()).resolves.toBe('conference.trust.nhs.uk');
  });

  it('takes an item only as a plain domain, compared as main compares addresses (case, trailing dot), never one no address can hold', async () => {
    const fake = server(['rooms here.trust.nhs.uk', 'Conference.Trust.NHS.uk.'], { 'rooms here.trust.nhs.uk': [{ category: 'conference', type: 'text' }], 'Conference.Trust.NHS.uk.': [{ category: 'conference', type: 'text' }], 'conference.trust.nhs.uk': [{ category: 'conference', type: 'text' }] });
    await expect(new RoomService({ iq: fake.iq, domain: DOMAIN }).find()).resolves.toBe('conference.trust.nhs.uk');
  });
});
