/**
 * XEP-0313 catch-up: pages forward through an archive (ours for 1:1, each room's) from the last
 * archive id we stored, storing each page as one batch before asking for the next, and keeping
 * a per-archive cursor in the store's settings. Results are accepted only for queries still
 * outstanding here (parseIncoming checks them against `outstanding`), so nobody can inject
 * "history" by sending us forged archive results.
 */
import { randomBytes } from 'node:crypto';
import { buildPersonalArchiveQuery, buildRoomArchiveQuery, jidForLog, parseArchiveFin } from '../messaging/index.js';
import type { WardlineStore } from '../store/index.js';
import type { XmlElement } from '../xmpp/index.js';
import { errorName, type ApplyResult, type ReceivedItem } from './incoming.js';

export interface ArchiveCursor {
  /** Archive id of the newest message stored from this archive. */
  after: string;
  /** Its time, to restart by date if the archive has forgotten that id. */
  at: number;
}

export interface CatchUpDeps {
  store: WardlineStore;
  iq(request: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  apply(items: ReceivedItem[]): Promise<ApplyResult>;
  now(): number;
  log(line: string): void;
  /** Page size asked for; servers may cap it lower (Prosody: max_archive_query_results, default 50). */
  pageSize: number;
  /** How far back a first sync of an archive reaches. */
  initialWindowMs: number;
}

export interface CatchUpResult {
  fetched: number;
  inserted: number;
  pages: number;
}

const cursorKey = (archive: string): string => `chat.archive-cursor.${archive}`;
/** Stamps may differ by a little between the archive and us; restarting by date overlaps by this. */
const DATE_OVERLAP_MS = 5 * 60_000;

export class ArchiveCatchUp {
  /** queryId → archive JID, for parseIncoming's context. */
  readonly outstanding = new Map<string, string>();
  readonly #pages = new Map<string, ReceivedItem[]>();
  readonly #deps: CatchUpDeps;

  constructor(deps: CatchUpDeps) {
    this.#deps = deps;
  }

  /** An archive result for an outstanding query (parseIncoming has checked where it came from). */
  collect(queryId: string, item: ReceivedItem): void {
    this.#pages.get(queryId)?.push(item);
  }

  async readCursor(archive: string): Promise<ArchiveCursor | null> {
    const raw = await this.#deps.store.getSetting(cursorKey(archive));
    if (raw === null) return null;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'object' && parsed !== null && 'after' in parsed && 'at' in parsed) {
        const { after, at } = parsed;
        if (typeof after === 'string' && typeof at === 'number') return { after, at };
      }
    } catch {
      // A damaged cursor only costs a re-fetch by date.
    }
    return null;
  }

  async writeCursor(archive: string, cursor: ArchiveCursor): Promise<void> {
    await this.#deps.store.setSetting(cursorKey(archive), JSON.stringify(cursor));
  }

  /**
   * Fetches everything after the cursor. `room` is undefined for our own archive. `stillWanted`
   * stops the loop when the session it belongs to has ended.
   */
  async run(archive: string, room: string | undefined, stillWanted: () => boolean): Promise<CatchUpResult> {
    const deps = this.#deps;
    const cursor = await this.readCursor(archive);
    let after = cursor?.after;
    let start = cursor === null ? deps.now() - deps.initialWindowMs : undefined;
    const result: CatchUpResult = { fetched: 0, inserted: 0, pages: 0 };
    while (stillWanted()) {
      const queryId = randomBytes(8).toString('hex');
      const page = { iqId: `mam-${queryId}`, queryId, max: deps.pageSize, after, start };
      const request = room === undefined ? buildPersonalArchiveQuery(page) : buildRoomArchiveQuery({ ...page, room });
      this.outstanding.set(queryId, archive);
      this.#pages.set(queryId, []);
      let answer: XmlElement;
      try {
        answer = await deps.iq(request, 30_000);
      } catch (error) {
        const condition = (error as { condition?: unknown }).condition;
        if (condition === 'item-not-found' && after !== undefined && cursor !== null) {
          // The archive no longer has our position (expired): carry on by date instead.
          deps.log(`chat catch-up cursor-lost archive=${jidForLog(archive)}`);
          after = undefined;
          start = cursor.at - DATE_OVERLAP_MS;
          continue;
        }
        throw error;
      } finally {
        this.outstanding.delete(queryId);
      }
      // Results precede the iq answer on the stream, so the page is complete here.
      const items = this.#pages.get(queryId) ?? [];
      this.#pages.delete(queryId);
      const fin = parseArchiveFin(answer);
      if (fin.kind !== 'fin') throw new Error(`archive answer ${fin.kind}`);
      result.pages += 1;
      result.fetched += items.length;
      if (items.length > 0) {
        try {
          result.inserted += (await deps.apply(items)).inserted;
        } catch (error) {
          // Without this page stored the cursor must not move: the next catch-up retries it.
          deps.log(`chat store-failed stage=archive count=${items.length} error=${errorName(error)}`);
          throw error;
        }
      }
      const progressed = fin.last !== null && fin.last !== after;
      if (fin.last !== null) {
        const lastAt = newestTime(items) ?? deps.now();
        await this.writeCursor(archive, { after: fin.last, at: lastAt });
        after = fin.last;
        start = undefined;
      }
      if (fin.complete || !progressed) break;
    }
    return result;
  }
}

function newestTime(items: readonly ReceivedItem[]): number | null {
  let newest: number | null = null;
  for (const { event } of items) {
    if (event.kind === 'message') newest = Math.max(newest ?? 0, Math.round(event.sentAt));
  }
  return newest;
}
