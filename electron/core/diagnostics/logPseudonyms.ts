/**
 * Addresses in a log line written to disk become pseudonyms. On a shared OS login everyone using
 * it can read the log file, which must not tell them who talked to whom. The key lives only in
 * memory for one run of the app: IT can follow one address through a run's lines, but nobody can
 * map a pseudonym back to a person by hashing the directory, and runs do not link up.
 */
import { createHmac, randomBytes } from 'node:crypto';

/**
 * An address as log lines carry it (messaging/jid.ts `jidForLog`: characters outside letters,
 * digits and `@.-_+` escaped as `\u{…}`): a local part, `@`, a domain.
 */
const ADDRESS = /((?:[\p{L}\p{N}._+-]|\\u\{[0-9a-f]+\})+)@((?:[\p{L}\p{N}.-]|\\u\{[0-9a-f]+\})+)/giu;

export type PseudonymKey = Buffer;

export function newPseudonymKey(): PseudonymKey {
  return randomBytes(32);
}

/** `alice@trust.nhs.uk` → `~3f9a1c07b2e4@trust.nhs.uk`: the same address, the same pseudonym, within one key. */
export function pseudonymiseAddresses(line: string, key: PseudonymKey): string {
  return line.replace(ADDRESS, (_match, local: string, domain: string) => {
    const address = `${local}@${domain}`.toLowerCase();
    const token = createHmac('sha256', key).update(address).digest('hex').slice(0, 12);
    return `~${token}@${domain}`;
  });
}
