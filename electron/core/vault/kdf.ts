/**
 * The key-encryption key (KEK): derived from BOTH the person's PIN (scrypt,
 * memory-hard) and the profile's keychain secret, so neither alone opens a
 * profile. The PIN separates people who share one OS login; the keychain
 * secret ties the profile to this OS user on this machine.
 *
 *   pinKey = scrypt(NFC(pin), salt, N, r, p)                      32 bytes
 *   KEK    = HKDF-SHA256(ikm = pinKey || keychainSecret, salt, info = "wardline-kek-v1")
 */
import { hkdf, randomBytes, scrypt } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Memory used is 128 * N * r bytes. */
  N: number;
  r: number;
  p: number;
}

/**
 * Calibrated on the dev/CI box (2-core AMD EPYC VM, Node 20.20, node:crypto
 * async scrypt), median of 5 runs:
 *   N=2^15 r=8   ~105 ms (32 MiB)     N=2^16 r=8   ~182 ms (64 MiB)
 *   N=2^16 r=10  ~230 ms (80 MiB)     N=2^16 r=11  ~255 ms (88 MiB)
 *   N=2^17 r=8   ~375 ms (128 MiB)
 * We take N=2^16, r=11, p=1: ~250 ms and 88 MiB per derivation. Each profile
 * stores the params it was wrapped with, so these can be raised later; the
 * registry re-wraps with the current params on the next successful unlock.
 */
export const defaultScryptParams: Readonly<ScryptParams> = { N: 2 ** 16, r: 11, p: 1 };

export const kdfSaltBytes = 16;
export const keychainSecretBytes = 32;
const kekInfo = 'wardline-kek-v1';

export function randomSalt(): Buffer {
  return randomBytes(kdfSaltBytes);
}

/** OpenSSL refuses scrypt above `maxmem`; give it exactly what the params need plus headroom. */
function maxmemFor(params: ScryptParams): number {
  return 128 * params.N * params.r * params.p + 32 * 1024 * 1024;
}

/** Async (libuv threadpool), so the main process's event loop stays responsive. */
export function scryptAsync(secret: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: maxmemFor(params) }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** The PIN as bytes. NFC, so the same passphrase typed on another keyboard layout or OS matches. */
export function pinBytes(pin: string): Buffer {
  return Buffer.from(pin.normalize('NFC'), 'utf8');
}

export async function deriveKek(pin: string, keychainSecret: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const pinBuffer = pinBytes(pin);
  let pinKey: Buffer | null = null;
  let ikm: Buffer | null = null;
  try {
    pinKey = await scryptAsync(pinBuffer, salt, params);
    ikm = Buffer.concat([pinKey, keychainSecret]);
    const kek = await new Promise<ArrayBuffer>((resolve, reject) => {
      hkdf('sha256', ikm as Buffer, salt, kekInfo, 32, (error, key) => {
        if (error) reject(error);
        else resolve(key);
      });
    });
    return Buffer.from(kek);
  } finally {
    // Best effort: JS strings (the PIN itself) cannot be wiped, but our copies can.
    pinBuffer.fill(0);
    pinKey?.fill(0);
    ikm?.fill(0);
  }
}
