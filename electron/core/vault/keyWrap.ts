/**
 * Wraps a profile's 256-bit database key with AES-256-GCM under the KEK.
 *
 * The profile id is bound as additional authenticated data, so a wrapped key
 * moved into another profile's file does not unwrap there. A GCM
 * authentication failure is the ONLY wrong-PIN signal: nothing derived from
 * the PIN is stored that could be checked offline more cheaply than this.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface WrappedKey {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export const databaseKeyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;

function aadFor(profileId: string): Buffer {
  return Buffer.from(`wardline-wrap-v1\0${profileId}`, 'utf8');
}

export function randomDatabaseKey(): Buffer {
  return randomBytes(databaseKeyBytes);
}

export function wrapKey(databaseKey: Buffer, kek: Buffer, profileId: string): WrappedKey {
  // A fresh random IV per wrap; each wrap also uses a fresh KDF salt, so the KEK differs too.
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: tagBytes });
  cipher.setAAD(aadFor(profileId));
  const ciphertext = Buffer.concat([cipher.update(databaseKey), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** The database key, or null when GCM authentication fails (wrong PIN, wrong keychain secret, or tampering). */
export function unwrapKey(wrapped: WrappedKey, kek: Buffer, profileId: string): Buffer | null {
  if (wrapped.iv.length !== ivBytes || wrapped.tag.length !== tagBytes || wrapped.ciphertext.length !== databaseKeyBytes) {
    return null;
  }
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.iv, { authTagLength: tagBytes });
  decipher.setAAD(aadFor(profileId));
  decipher.setAuthTag(wrapped.tag);
  const plain = decipher.update(wrapped.ciphertext);
  try {
    decipher.final();
    return plain;
  } catch {
    plain.fill(0);
    return null;
  }
}
