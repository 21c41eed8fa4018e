// SCRAM-SHA-1 / SCRAM-SHA-256 client (RFC 5802, RFC 7677) on Node's native crypto.
// @xmpp's stock SCRAM runs PBKDF2 as one WebCrypto HMAC call per iteration (~1 s at 10,000
// iterations); crypto.pbkdf2 does the whole loop in OpenSSL on the thread pool in a few ms.
// Mutual authentication: the server's signature is checked, so a server that does not know the
// password (or a man in the middle) cannot complete the login.
// No channel binding yet (-PLUS): Prosody 0.12 only binds to tls-unique, which TLS 1.3 lacks.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { saslPrep } from './saslPrep.js';

const pbkdf2Async = promisify(pbkdf2);

export type ScramHash = 'sha1' | 'sha256';

export const SCRAM_MECHANISMS = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-1': 'sha1' } as const satisfies Record<string, ScramHash>;
export type ScramMechanismName = keyof typeof SCRAM_MECHANISMS;

const HASH_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32 };
// RFC 5802/7677 set 4096 as the floor; a lower count from the server is a downgrade we refuse. The
// ceiling stops a hostile server from pinning a CPU core (and the login) for minutes.
const MIN_ITERATIONS = 4096;
const MAX_ITERATIONS = 1_000_000;
// "n,,": no channel binding, no authzid (we do not support -PLUS, so "y" would be wrong too).
const GS2_HEADER = 'n,,';

/**
 * SaltedPassword cache, keyed by hash, salt and iteration count. Holding SaltedPassword is as
 * sensitive as holding the password, which the connection already keeps in memory to reconnect;
 * the cache lives in one connection and is wiped on close(). It saves a PBKDF2 run per reconnect.
 */
export type SaltedPasswordCache = Map<string, Buffer>;

export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScramError';
  }
}

export interface ScramClientOptions {
  hash: ScramHash;
  username: string;
  password: string;
  /** Only for test vectors; a fresh random nonce otherwise. */
  clientNonce?: string;
  cache?: SaltedPasswordCache;
}

/** One SCRAM exchange: clientFirst() → clientFinal(serverFirst) → verifyServerFinal(serverFinal). */
export class ScramClient {
  readonly #hash: ScramHash;
  readonly #password: string;
  readonly #cache: SaltedPasswordCache | undefined;
  readonly #clientNonce: string;
  readonly #clientFirstBare: string;
  #expectedServerSignature: Buffer | undefined;

  constructor(options: ScramClientOptions) {
    this.#hash = options.hash;
    this.#password = saslPrep(options.password);
    this.#cache = options.cache;
    this.#clientNonce = options.clientNonce ?? randomBytes(18).toString('base64');
    this.#clientFirstBare = `n=${escapeSaslName(saslPrep(options.username))},r=${this.#clientNonce}`;
  }

  clientFirst(): string {
    return GS2_HEADER + this.#clientFirstBare;
  }

  async clientFinal(serverFirst: string): Promise<string> {
    const fields = parseFields(serverFirst);
    if (fields.has('m')) throw new ScramError('The server requires a SCRAM extension we do not support.');
    const nonce = fields.get('r');
    const saltText = fields.get('s');
    const iterationText = fields.get('i');
    if (nonce === undefined || saltText === undefined || iterationText === undefined) {
      throw new ScramError('Malformed SCRAM server-first message.');
    }
    // The server must extend our nonce, or this is a replay of someone else's exchange.
    if (!nonce.startsWith(this.#clientNonce) || nonce.length === this.#clientNonce.length) {
      throw new ScramError('The server nonce does not extend the client nonce.');
    }
    const salt = Buffer.from(saltText, 'base64');
    const iterations = /^\d{1,9}$/.test(iterationText) ? Number(iterationText) : Number.NaN;
    if (salt.length === 0) throw new ScramError('The server sent an empty SCRAM salt.');
    if (!(iterations >= MIN_ITERATIONS && iterations <= MAX_ITERATIONS)) {
      throw new ScramError(`Refusing a SCRAM iteration count of ${iterationText}.`);
    }

    const saltedPassword = await this.#saltedPassword(salt, iterations);
    const clientFinalWithoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const clientKey = this.#hmac(saltedPassword, 'Client Key');
    const storedKey = createHash(this.#hash).update(clientKey).digest();
    const clientSignature = this.#hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i += 1) proof[i] = (clientKey[i] ?? 0) ^ (clientSignature[i] ?? 0);
    this.#expectedServerSignature = this.#hmac(this.#hmac(saltedPassword, 'Server Key'), authMessage);
    return `${clientFinalWithoutProof},p=${proof.toString('base64')}`;
  }

  /** Throws unless the server proved it knows the password (mutual authentication). */
  verifyServerFinal(serverFinal: string): void {
    const expected = this.#expectedServerSignature;
    if (expected === undefined) throw new ScramError('SCRAM server-final arrived before client-final.');
    const fields = parseFields(serverFinal);
    const error = fields.get('e');
    if (error !== undefined) throw new ScramError(`The server rejected the SCRAM proof: ${error}`);
    const signature = Buffer.from(fields.get('v') ?? '', 'base64');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new ScramError('The server signature is wrong: the server does not know the password.');
    }
  }

  async #saltedPassword(salt: Buffer, iterations: number): Promise<Buffer> {
    const key = `${this.#hash}:${iterations}:${salt.toString('base64')}`;
    const cached = this.#cache?.get(key);
    if (cached !== undefined) return cached;
    const derived = await pbkdf2Async(this.#password, salt, iterations, HASH_BYTES[this.#hash], this.#hash);
    this.#cache?.set(key, derived);
    return derived;
  }

  #hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.#hash, key).update(data).digest();
  }
}

/** RFC 5802 saslname: ',' and '=' are escaped inside n=. */
function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function parseFields(message: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of message.split(',')) {
    const match = /^([a-zA-Z])=(.*)$/s.exec(part);
    if (match?.[1] !== undefined && match[2] !== undefined && !fields.has(match[1])) fields.set(match[1], match[2]);
  }
  return fields;
}
