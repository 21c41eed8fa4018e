/**
 * What this client tells the server and colleagues it can do: XEP-0115 entity capabilities in our
 * presence and the XEP-0030 disco#info answer behind them. The server needs them to push changes
 * of our own bookmark list (`urn:xmpp:bookmarks:1+notify`, XEP-0402 §4) to every workstation we
 * are signed in at, so a room left or joined again at one is followed at the others at once.
 *
 * No version and no operating system: nothing here helps anyone fingerprint a workstation.
 */
import { createHash } from 'node:crypto';
import { xml, type XmlElement } from '../xmpp/index.js';
import { NS } from '../messaging/index.js';

const CAPS = 'http://jabber.org/protocol/caps';
export const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
/** Names the software (XEP-0115 §4: a URI of our own). */
const CAPS_NODE = 'urn:wardline:client';

export interface ClientIdentity {
  category: string;
  type: string;
  name: string;
}

export const WARDLINE_IDENTITY: ClientIdentity = { category: 'client', type: 'pc', name: 'Wardline' };

/** Only what Wardline really handles: other clients change what they send on these. */
export const WARDLINE_FEATURES: readonly string[] = [
  CAPS,
  DISCO_INFO,
  'urn:xmpp:ping',
  NS.receipts,
  NS.markers,
  NS.retract,
  'urn:xmpp:bookmarks:1+notify',
];

/** XEP-0115 §5.1 verification string, SHA-1, base64 (one identity, no extended forms). */
export function capsVer(identity: ClientIdentity, features: readonly string[]): string {
  const sorted = [...new Set(features)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = `${identity.category}/${identity.type}//${identity.name}<${sorted.map((feature) => `${feature}<`).join('')}`;
  return createHash('sha1').update(text, 'utf8').digest('base64');
}

const VER = capsVer(WARDLINE_IDENTITY, WARDLINE_FEATURES);

/** The <c/> element every available presence of ours carries. */
export function capsElement(): XmlElement {
  return xml('c', { xmlns: CAPS, hash: 'sha-1', node: CAPS_NODE, ver: VER });
}

/**
 * The answer to a disco#info request, or null when the request is not one (the caller answers
 * those). A request for another node than ours gets item-not-found (XEP-0030 §3.1).
 */
export function discoInfoAnswer(iq: XmlElement): XmlElement | null {
  if (iq.attrs['type'] !== 'get') return null;
  const query = iq.getChild('query', DISCO_INFO);
  if (query === undefined) return null;
  const node = query.attrs['node'];
  const reply = { id: iq.attrs['id'], to: iq.attrs['from'] };
  if (node !== undefined && node !== `${CAPS_NODE}#${VER}`) {
    return xml('iq', { ...reply, type: 'error' }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: STANZAS })));
  }
  return xml(
    'iq',
    { ...reply, type: 'result' },
    xml(
      'query',
      { xmlns: DISCO_INFO, node },
      xml('identity', { category: WARDLINE_IDENTITY.category, type: WARDLINE_IDENTITY.type, name: WARDLINE_IDENTITY.name }),
      ...WARDLINE_FEATURES.map((feature) => xml('feature', { var: feature })),
    ),
  );
}
