/**
 * XEP-0313 (MAM v2) archive queries and the XEP-0280 carbons switch. Catch-up pages forward
 * from the last stanza-id we stored (RSM `after`), or from a start time on a first sync.
 *
 * The caller keeps each query's `queryId` and archive as outstanding until its <fin/> arrives:
 * parseIncoming accepts archive results only for an outstanding query from that archive.
 */
import { xml, type XmlElement } from '../xmpp/xml.js';
import { parseJid } from './jid.js';
import { NS } from './namespaces.js';
import { isSafeId, requireId } from './ids.js';
import { attr, childNamed, idAttr, isClientStanza } from './stanzaReading.js';

/** Largest page we ask for; servers cap lower anyway (Prosody's default is 50). */
export const MAX_ARCHIVE_PAGE = 1000;

export interface ArchivePage {
  /** The IQ's id, for matching the <fin/> response. */
  iqId: string;
  /** Echoed on every <result/>, binding results to this query. */
  queryId: string;
  /** Page size. */
  max: number;
  /** Only messages after this archive id (the last stanza-id we stored). */
  after?: string;
  /** Only messages at or after this time (epoch ms), for a first sync. */
  start?: number;
}

export interface PersonalArchiveQuery extends ArchivePage {
  /** Only the conversation with this bare JID. */
  with?: string;
}

export interface RoomArchiveQuery extends ArchivePage {
  room: string;
}

function requireBareJid(raw: string, what: string): string {
  const jid = parseJid(raw);
  if (jid === null || jid.resource !== null) throw new RangeError(`${what} must be a valid bare JID`);
  return jid.bare;
}

function field(name: string, value: string, type?: string): XmlElement {
  return xml('field', { var: name, type }, xml('value', {}, value));
}

function buildQuery(page: ArchivePage, to: string | undefined, withJid: string | undefined): XmlElement {
  if (!Number.isInteger(page.max) || page.max < 1 || page.max > MAX_ARCHIVE_PAGE) {
    throw new RangeError(`Archive page size must be 1–${MAX_ARCHIVE_PAGE}`);
  }
  if (page.start !== undefined && !Number.isFinite(page.start)) throw new RangeError('Archive start must be a time');
  const fields: XmlElement[] = [field('FORM_TYPE', NS.mam, 'hidden')];
  if (withJid !== undefined) fields.push(field('with', requireBareJid(withJid, 'Archive filter')));
  if (page.start !== undefined) fields.push(field('start', new Date(page.start).toISOString()));

  return xml(
    'iq',
    { type: 'set', id: requireId(page.iqId, 'IQ id'), to },
    xml(
      'query',
      { xmlns: NS.mam, queryid: requireId(page.queryId, 'Query id') },
      xml('x', { xmlns: NS.dataForms, type: 'submit' }, ...fields),
      xml(
        'set',
        { xmlns: NS.rsm },
        xml('max', {}, String(page.max)),
        ...(page.after === undefined ? [] : [xml('after', {}, requireId(page.after, 'Archive position'))]),
      ),
    ),
  );
}

/** Query our own archive (1:1 history). No `to`: an IQ without one goes to our own account. */
export function buildPersonalArchiveQuery(query: PersonalArchiveQuery): XmlElement {
  return buildQuery(query, undefined, query.with);
}

/** Query a room's archive: addressed to the room itself. */
export function buildRoomArchiveQuery(query: RoomArchiveQuery): XmlElement {
  return buildQuery(query, requireBareJid(query.room, 'Room'), undefined);
}

/** Ask the server to copy our conversations from other devices to this one (XEP-0280). */
export function buildEnableCarbons(iqId: string): XmlElement {
  return xml('iq', { type: 'set', id: requireId(iqId, 'IQ id') }, xml('enable', { xmlns: NS.carbons }));
}

export type ArchiveFin =
  | {
      kind: 'fin';
      /** The server says there is nothing after this page. */
      complete: boolean;
      /** Archive id of the last result on this page: the next page's `after`. */
      last: string | null;
      queryId: string | null;
    }
  | { kind: 'error' | 'invalid' };

/** Read the IQ result that ends an archive page. Never throws. */
export function parseArchiveFin(iq: XmlElement): ArchiveFin {
  if (!isClientStanza(iq, 'iq')) return { kind: 'invalid' };
  const type = attr(iq, 'type');
  if (type === 'error') return { kind: 'error' };
  if (type !== 'result') return { kind: 'invalid' };
  const fin = childNamed(iq, 'fin', NS.mam);
  if (fin === undefined) return { kind: 'invalid' };
  const set = childNamed(fin, 'set', NS.rsm);
  const lastElement = set === undefined ? undefined : childNamed(set, 'last', NS.rsm);
  const lastText = lastElement?.getText();
  const last = isSafeId(lastText) ? lastText : null;
  return { kind: 'fin', complete: attr(fin, 'complete') === 'true', last, queryId: idAttr(fin, 'queryid') };
}
