import { join } from 'node:path';
/**
 * The throwaway Prosody the messaging benchmarks run against (tests/fixtures/prosody.ts: loopback,
 * STARTTLS with its own CA, MAM on, Nagle off server-side), stopped whatever happens.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { startProsody, type ProsodyServer, type ProsodyUser } from '../tests/fixtures/prosody.js';

export type { ProsodyServer, ProsodyUser };

/** Two accounts: the one who sends and the one who receives. */
export const SENDER: ProsodyUser = { username: 'bench.sender', password: 'bench sender long passphrase' };
export const RECEIVER: ProsodyUser = { username: 'bench.receiver', password: 'bench receiver long passphrase' };

export function jidOf(server: ProsodyServer, user: ProsodyUser): string {
  return `${user.username}@${server.domain}`;
}

/** Starts a Prosody with `users`, runs `body`, and always stops the server (which deletes its temp dir). */
export async function withProsody<T>(users: readonly ProsodyUser[], body: (server: ProsodyServer) => Promise<T>): Promise<T> {
  const server = await startProsody({ users });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/**
 * Moves the server's message archive to Prosody's in-memory store and restarts it (accounts stay on
 * disk). The fixture's "internal" file store re-reads and re-parses a user's whole archive file on
 * every MAM query (mod_storage_internal's archive:find → datamanager.list_load), so paging through
 * 10,000 messages at Prosody's 50 per page costs the server about a minute whoever the client is:
 * that would measure the fixture, not the client. Production Prosody archives in SQL (indexed);
 * the in-memory store is the nearest this machine has (no LuaDBI here). Only the throwaway server's
 * generated config in its temp dir is changed. Call it before anything is archived.
 */
export async function useMemoryArchive(server: ProsodyServer, itemLimit: number): Promise<void> {
  await useArchiveStorage(server, ['storage = { archive = "memory" }'], itemLimit);
}

/**
 * Archives in SQLite through Prosody's SQL storage (Debian: lua-dbi-sqlite3), as docs/DEPLOYMENT.md
 * recommends for production: archive queries use an index instead of scanning.
 */
export async function useSqlArchive(server: ProsodyServer, itemLimit: number): Promise<void> {
  await useArchiveStorage(
    server,
    ['storage = { archive = "sql" }', `sql = { driver = "SQLite3", database = ${JSON.stringify(join(server.dataDir, 'archive.sqlite'))} }`],
    itemLimit,
  );
}

async function useArchiveStorage(server: ProsodyServer, storageLines: readonly string[], itemLimit: number): Promise<void> {
  const config = await readFile(server.configPath, 'utf8');
  const line = 'storage = "internal"\n';
  if (!config.includes(line)) throw new Error(`The fixture's Prosody config has no line ${JSON.stringify(line)}; update useArchiveStorage.`);
  const archive = [
    'default_storage = "internal"',
    ...storageLines,
    `storage_archive_item_limit = ${Math.ceil(itemLimit)}`,
    // As docs/DEPLOYMENT.md recommends: Prosody's default page cap of 50 means 5x the round trips
    // for the 250-item pages Wardline asks for. The bare baseline pages through the same server.
    'max_archive_query_results = 250',
    '',
  ].join('\n');
  await writeFile(server.configPath, config.replace(line, archive));
  await server.restart();
}
