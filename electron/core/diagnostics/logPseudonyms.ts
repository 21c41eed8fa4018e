/**
 * Addresses in a log line written to disk become pseudonyms. On a shared OS login everyone using
 * it can read the log file, which must not tell them who talked to whom. The key lives only in
 * memory and is replaced at every lock and unlock (logFile.ts `rekey`): IT can follow one address
 * through one person's session, and a pseudonym cannot be matched with a table of the directory's
 * hashes or with another session's lines.
 */
import { createHmac, randomBytes } from 'node:crypto';

/**
 * A whole token holding an `@` (a local part, `@`, a domain, and any `/resource`), starting at the
 * line's start, a space or `=`. The token is replaced whole, whatever characters it holds, so an
 * address logged without jidForLog's escaping still leaks nothing; and since a match can only start
 * at a token boundary, the scan stays linear on hostile text (no retry from every position).
 */
const ADDRESS_TOKEN = /(?<=^|[\s=])[^\s=@]+@([^\s=@/]+)(?:\/[^\s=]*)?/gu;

export type PseudonymKey = Buffer;

export function newPseudonymKey(): PseudonymKey {
  return randomBytes(32);
}

/** `alice@trust.nhs.uk/ward-pc` → `~3f9a1c07b2e4@trust.nhs.uk`: the same bare address, the same pseudonym, within one key. */
export function pseudonymiseAddresses(line: string, key: PseudonymKey): string {
  return line.replace(ADDRESS_TOKEN, (token: string, domain: string) => {
    const bare = token.split('/')[0]!.toLowerCase();
    const pseudonym = createHmac('sha256', key).update(bare).digest('hex').slice(0, 12);
    return `~${pseudonym}@${domain}`;
  });
}
