/**
 * XEP-0313 catch-up: pages forward through an archive (ours for 1:1, each room's) from the last
 * archive id we stored, storing each page as one batch before asking for the next, and keeping
 * a per-archive cursor in the store's settings. Results are accepted only for queries still
 * outstanding here (parseIncoming checks them against `outstanding`), so nobody can inject
 * "history" by sending us forged archive results.
 *
 * A run ends only on a page the archive marks complete. A server whose positions go round in a
 * circle, or that answers empty pages it says are not the last, would otherwise keep set-up (and
 * with it the outbox) waiting for ever: such a run stops and rejects, like a failed page, so the
 * service marks history incomplete and tries again later (liveRepair.ts).
 */
import { randomBytes } from 'node:crypto';
import { buildPersonalArchiveQuery, buildRoomArchiveQuery, jidForLog, NS, parseArchiveFin } from '../messaging/index.js';
import type { WardlineStore } from '../store/index.js';
import type { XmlElement } from '../xmpp/index.js';
import { type ApplyResult, type ReceivedItem } from './incoming.js';
import { errorName } from '../logSafeErrors.js';

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
  /** Pages asked for in one run at most (default MAX_PAGES_PER_RUN). */
  maxPages?: number;
}

export interface CatchUpResult {
  fetched: number;
  inserted: number;
  pages: number;
}

const cursorKey = (archive: string): string => `chat.archive-cursor.${archive}`;
/** Stamps may differ by a little between the archive and us; restarting by date overlaps by this. */
const DATE_OVERLAP_MS = 5 * 60_000;

/**
 * Far more than a real catch-up needs. The benchmark's heavy profile (a million messages a year)
 * puts about 48,000 1:1 messages in the 30 days an archive keeps (DEPLOYMENT.md), all in our own
 * archive: under 1,000 pages at Prosody's default cap of 50 a page, 200 at the 250 we ask for.
 * Stopping here loses nothing: the cursor has moved with every stored page, so the next run (the
 * service's repair, with backoff) carries on from there.
 */
export const MAX_PAGES_PER_RUN = 2_000;

/** Why a run gave up on an archive that does not progress towards its end. */
export type CatchUpStop = 'empty-page' | 'no-position' | 'repeated-position' | 'page-limit';

/** A run stopped because the archive did not progress: the catch-up failed, nothing was lost. */
export class CatchUpStoppedError extends Error {
  readonly kind: string;

  constructor(readonly reason: CatchUpStop) {
    super(`Archive catch-up stopped: ${reason}`);
    this.name = 'CatchUpStoppedError';
    this.kind = `catch-up-${reason}`;
  }
}

export class ArchiveCatchUp {
  /** queryId → archive JID, for parseIncoming's context. */
  readonly outstanding = new Map<string, string>();
  readonly #pages = new Map<string, ReceivedItem[]>();
  /** queryId → results the server sent, stored or not (an ignored one still shows the page was not empty). */
  readonly #results = new Map<string, number>();
  readonly #deps: CatchUpDeps;

  constructor(deps: CatchUpDeps) {
    this.#deps = deps;
  }

  /** An archive result for an outstanding query (parseIncoming has checked where it came from). */
  collect(queryId: string, item: ReceivedItem): void {
    this.#pages.get(queryId)?.push(item);
  }

  /** Counts any archive result for an outstanding query, before it is parsed (many are ignored). */
  sawResult(stanza: XmlElement): void {
    const queryId = stanza.getChild('result', NS.mam)?.attrs['queryid'];
    if (typeof queryId !== 'string') return;
    const count = this.#results.get(queryId);
    if (count !== undefined) this.#results.set(queryId, count + 1);
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
    const maxPages = deps.maxPages ?? MAX_PAGES_PER_RUN;
    /** Positions this run has stood at: coming back to one means the server is going round in a circle. */
    const seen = new Set<string>(after === undefined ? [] : [after]);
    let asked = 0;
    const stop = (reason: CatchUpStop): CatchUpStoppedError => {
      deps.log(`chat catch-up-stopped archive=${jidForLog(archive)} reason=${reason} pages=${result.pages}`);
      return new CatchUpStoppedError(reason);
    };
    while (stillWanted()) {
      // Counts refused queries too: a server that "loses" each position it hands out must not loop either.
      if (asked >= maxPages) throw stop('page-limit');
      asked += 1;
      const queryId = randomBytes(8).toString('hex');
      const page = { iqId: `mam-${queryId}`, queryId, max: deps.pageSize, after, start };
      const request = room === undefined ? buildPersonalArchiveQuery(page) : buildRoomArchiveQuery({ ...page, room });
      this.outstanding.set(queryId, archive);
      this.#pages.set(queryId, []);
      this.#results.set(queryId, 0);
      let answer: XmlElement;
      try {
        answer = await deps.iq(request, 30_000);
      } catch (error) {
        this.#pages.delete(queryId);
        this.#results.delete(queryId);
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
      const received = Math.max(this.#results.get(queryId) ?? 0, items.length);
      this.#pages.delete(queryId);
      this.#results.delete(queryId);
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
      // What was stored stays stored; a page that does not lead on moves the cursor nowhere.
      const repeated = fin.last !== null && seen.has(fin.last);
      if (!fin.complete) {
        if (received === 0) throw stop('empty-page');
        if (fin.last === null) throw stop('no-position');
        if (repeated) throw stop('repeated-position');
      }
      if (fin.last !== null && !repeated) {
        const lastAt = newestTime(items) ?? deps.now();
        await this.writeCursor(archive, { after: fin.last, at: lastAt });
        seen.add(fin.last);
        after = fin.last;
        start = undefined;
      }
      if (fin.complete) break;
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
