// A server or recipient refusing one of our messages (<message type='error'/>): what we read from
// it, who may send one, and what it means for the message (fail now, or resend later).
import { describe, expect, it } from 'vitest';
import {
  decideBounce,
  failureReason,
  isBounceFromRecipient,
  parseBounce,
  parseJid,
  type Jid,
} from '../../electron/core/messaging/index.js';
import { parseXml } from '../fixtures/xmlParse.js';

const PEER = 'consultant@trust.nhs.uk';
const ROOM = 'ward7@conference.trust.nhs.uk';
const OWN_DOMAIN = 'trust.nhs.uk';

function jid(raw: string): Jid {
  const parsed = parseJid(raw);
  if (parsed === null) throw new Error(`bad test JID ${raw}`);
  return parsed;
}

function bounceXml(attrs: string, error = `<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`): string {
  return `<message xmlns='jabber:client' type='error' ${attrs}>${error}</message>`;
}

describe('parseBounce', () => {
  it("reads id, sender, error type and condition (Prosody's answer for an account that does not exist)", () => {
    const bounce = parseBounce(parseXml(bounceXml(`from='${PEER}' to='me@trust.nhs.uk/pc' id='wl-abc'`)));
    expect(bounce).toMatchObject({ id: 'wl-abc', errorType: 'cancel', condition: 'service-unavailable' });
    expect(bounce?.from.full).toBe(PEER);
  });

  it('never reads the echoed body: the result has no text in it', () => {
    const stanza = parseXml(
      bounceXml(
        `from='${PEER}' id='wl-abc'`,
        `<body>Bed 4 secret</body><error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Bed 4 secret</text></error>`,
      ),
    );
    const bounce = parseBounce(stanza);
    expect(bounce).toMatchObject({ errorType: 'wait', condition: 'resource-constraint' });
    expect(JSON.stringify(bounce)).not.toContain('Bed 4');
  });

  it('an unknown or missing condition reads as undefined-condition; an unknown type as null', () => {
    expect(parseBounce(parseXml(bounceXml(`from='${PEER}' id='x'`, `<error type='sideways'><made-up xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`))))
      .toMatchObject({ errorType: null, condition: 'undefined-condition' });
    expect(parseBounce(parseXml(bounceXml(`from='${PEER}' id='x'`, '')))).toMatchObject({ errorType: null, condition: 'undefined-condition' });
  });

  it('a condition in the wrong namespace does not count', () => {
    const bounce = parseBounce(parseXml(bounceXml(`from='${PEER}' id='x'`, `<error type='cancel'><item-not-found xmlns='urn:example:other'/></error>`)));
    expect(bounce?.condition).toBe('undefined-condition');
  });

  it('is null for anything that is not a message error with an id and a valid sender', () => {
    expect(parseBounce(parseXml(`<message xmlns='jabber:client' type='chat' from='${PEER}' id='x'><body>hi</body></message>`))).toBeNull();
    expect(parseBounce(parseXml(bounceXml(`from='${PEER}'`)))).toBeNull();
    expect(parseBounce(parseXml(bounceXml(`id='x'`)))).toBeNull();
    expect(parseBounce(parseXml(bounceXml(`from='a@b@c' id='x'`)))).toBeNull();
    expect(parseBounce(parseXml(`<iq xmlns='jabber:client' type='error' from='${PEER}' id='x'/>`))).toBeNull();
  });
});

describe('isBounceFromRecipient', () => {
  const direct = { jid: PEER, kind: 'direct' as const };
  const room = { jid: ROOM, kind: 'room' as const };

  it('1:1: the peer, bare or full, and our own server', () => {
    expect(isBounceFromRecipient(jid(PEER), direct, OWN_DOMAIN)).toBe(true);
    expect(isBounceFromRecipient(jid(`${PEER}/laptop`), direct, OWN_DOMAIN)).toBe(true);
    expect(isBounceFromRecipient(jid(OWN_DOMAIN), direct, OWN_DOMAIN)).toBe(true);
  });

  it('refuses anyone else: another account, another server, a resource on our domain', () => {
    expect(isBounceFromRecipient(jid('mallory@trust.nhs.uk'), direct, OWN_DOMAIN)).toBe(false);
    expect(isBounceFromRecipient(jid('consultant@evil.example'), direct, OWN_DOMAIN)).toBe(false);
    expect(isBounceFromRecipient(jid('evil.example'), direct, OWN_DOMAIN)).toBe(false);
    expect(isBounceFromRecipient(jid(`${OWN_DOMAIN}/x`), direct, OWN_DOMAIN)).toBe(false);
  });

  it('room: only the room itself; an occupant (room/nick) cannot fail our messages', () => {
    expect(isBounceFromRecipient(jid(ROOM), room, OWN_DOMAIN)).toBe(true);
    expect(isBounceFromRecipient(jid(`${ROOM}/Mallory`), room, OWN_DOMAIN)).toBe(false);
    expect(isBounceFromRecipient(jid(PEER), room, OWN_DOMAIN)).toBe(false);
  });
});

describe('decideBounce', () => {
  const delays = [10, 20];

  it('cancel, auth and modify errors fail at once and wait for the person', () => {
    expect(decideBounce({ errorType: 'cancel', condition: 'service-unavailable' }, 'direct', 0, delays)).toEqual({ reason: 'no-such-address', retryAfterMs: null });
    expect(decideBounce({ errorType: 'auth', condition: 'forbidden' }, 'room', 0, delays)).toEqual({ reason: 'not-allowed-in-room', retryAfterMs: null });
    expect(decideBounce({ errorType: 'modify', condition: 'policy-violation' }, 'direct', 0, delays)).toEqual({ reason: 'refused', retryAfterMs: null });
    expect(decideBounce({ errorType: null, condition: 'undefined-condition' }, 'direct', 0, delays)).toEqual({ reason: 'unknown', retryAfterMs: null });
  });

  it("'wait' errors are resent automatically, a bounded number of times, then left to the person", () => {
    const wait = { errorType: 'wait' as const, condition: 'resource-constraint' };
    expect(decideBounce(wait, 'direct', 0, delays)).toEqual({ reason: 'server-busy', retryAfterMs: 10 });
    expect(decideBounce(wait, 'direct', 1, delays)).toEqual({ reason: 'server-busy', retryAfterMs: 20 });
    expect(decideBounce(wait, 'direct', 2, delays)).toEqual({ reason: 'server-busy', retryAfterMs: null });
    // A wait with a condition we do not otherwise name still reads as a busy server.
    expect(decideBounce({ errorType: 'wait', condition: 'internal-server-error' }, 'room', 0, delays).reason).toBe('server-busy');
  });

  it('the default schedule is bounded', () => {
    let retries = 0;
    while (decideBounce({ errorType: 'wait', condition: 'resource-constraint' }, 'direct', retries).retryAfterMs !== null) retries += 1;
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThanOrEqual(5);
  });
});

describe('failureReason', () => {
  it.each([
    ['item-not-found', 'direct', 'no-such-address'],
    ['service-unavailable', 'direct', 'no-such-address'],
    ['service-unavailable', 'room', 'refused'],
    ['remote-server-not-found', 'direct', 'server-unreachable'],
    ['remote-server-timeout', 'room', 'server-unreachable'],
    ['not-acceptable', 'room', 'not-allowed-in-room'],
    ['forbidden', 'room', 'not-allowed-in-room'],
    ['forbidden', 'direct', 'refused'],
    ['policy-violation', 'room', 'refused'],
    ['resource-constraint', 'direct', 'server-busy'],
    ['bad-request', 'direct', 'unknown'],
  ] as const)('%s in a %s conversation → %s', (condition, kind, reason) => {
    expect(failureReason(condition, kind)).toBe(reason);
  });
});
