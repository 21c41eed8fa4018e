/**
 * The on-disk profile record: `<dataDir>/profiles/<id>/profile.json`.
 *
 * It holds no secret that helps on its own: the wrapped database key needs
 * the PIN AND this OS user's keychain secret. It holds no PIN and no PIN
 * hash. Everything read back is validated, including the KDF cost: N a power
 * of two from 2^10 to 2^22, r ≤ 32, p ≤ 2 AND scrypt's memory 128·N·r·p at
 * most 256 MiB (kdfMemoryCapBytes). The per-field bounds alone would allow
 * 128·2^22·32·2 = 32 GiB, so the product cap is what stops an edited file
 * from making the unlock screen allocate gigabytes or hang for minutes.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomicFile.js';
import type { ScryptParams } from './kdf.js';
import type { WrappedKey } from './keyWrap.js';
import type { FailureCounters } from './unlockThrottle.js';
import { VaultError } from './vaultError.js';

export const profileFileName = 'profile.json';
const idPattern = /^[0-9a-f]{32}$/;

export function newProfileId(): string {
  return randomBytes(16).toString('hex');
}

/** Ids arrive over IPC: only our own format may ever become part of a path. */
export function isProfileId(value: string): boolean {
  return idPattern.test(value);
}

export function profilesRoot(dataDir: string): string {
  return join(dataDir, 'profiles');
}

export function profileDir(dataDir: string, id: string): string {
  if (!isProfileId(id)) throw new VaultError({ kind: 'not-found' }, 'That profile does not exist on this computer.');
  return join(profilesRoot(dataDir), id);
}

export function profileFilePath(dataDir: string, id: string): string {
  return join(profileDir(dataDir, id), profileFileName);
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
/** The most memory one scrypt derivation may need (128·N·r·p bytes): 2.9× today's default (88 MiB). */
export const kdfMemoryCapBytes = 256 * 1024 * 1024;
const maxParallelism = 2;

/** Why these scrypt params are out of bounds, or null. The registry applies it to its own params too. */
export function kdfParamsProblem(params: ScryptParams): string | null {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 22 || (N & (N - 1)) !== 0) return 'N must be a power of two between 2^10 and 2^22';
  if (!Number.isInteger(r) || r < 1 || r > 32) return 'r must be an integer from 1 to 32';
  if (!Number.isInteger(p) || p < 1 || p > maxParallelism) return `p must be an integer from 1 to ${maxParallelism}`;
  if (128 * N * r * p > kdfMemoryCapBytes) return `128·N·r·p must be at most ${kdfMemoryCapBytes} bytes`;
  return null;
}

const powerOfTwo = z
  .number()
  .int()
  .refine((n) => n >= 2 ** 10 && n <= 2 ** 22 && (n & (n - 1)) === 0, 'N must be a power of two between 2^10 and 2^22');

const WipePolicySchema = z.object({
  /** Erase the profile after this many consecutive wrong PINs; null = never (the default). */
  afterFailures: z.number().int().min(1).max(1000).nullable(),
});

const ProfileRecordSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(idPattern),
  displayName: z.string().min(1).max(200),
  role: z.string().min(1).max(200),
  /** 'display': a control-room wall screen. Absent in records written before it existed: a person. */
  kind: z.enum(['person', 'display']).optional(),
  createdAt: z.number().int(),
  /** Last unlock, lock or hour open (epoch ms), for erasing dormant profiles. Absent in records written before it existed. */
  lastUsedAt: z.number().int().optional(),
  kdf: z
    .object({
      name: z.literal('scrypt'),
      N: powerOfTwo,
      r: z.number().int().min(1).max(32),
      p: z.number().int().min(1).max(maxParallelism),
      salt: base64,
    })
    .refine((kdf) => kdfParamsProblem(kdf) === null, 'scrypt memory 128·N·r·p is over the cap'),
  wrappedKey: z.object({
    alg: z.literal('aes-256-gcm'),
    iv: base64,
    ciphertext: base64,
    tag: base64,
  }),
  failures: z.object({
    consecutive: z.number().int().min(0),
    lastFailureAt: z.number().int().nullable(),
  }),
  wipePolicy: WipePolicySchema,
  /** Which keychain secret the key is wrapped under (keychainState.ts); absent: 0, the original entry. */
  keychainVersion: z.number().int().min(0).optional(),
});

export type ProfileRecord = z.infer<typeof ProfileRecordSchema>;
export type WipePolicy = z.infer<typeof WipePolicySchema>;

export const noWipe: WipePolicy = { afterFailures: null };

/** The profile record, or null when the profile does not exist. */
export async function readProfileRecord(dataDir: string, id: string): Promise<ProfileRecord | null> {
  let text: string;
  try {
    text = await readFile(profileFilePath(dataDir, id), 'utf8');
  } catch (error) {
    if (isMissingFile(error)) return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw damaged(error);
  }
  const result = ProfileRecordSchema.safeParse(parsed);
  if (!result.success || result.data.id !== id) throw damaged(result.error);
  return result.data;
}

export async function writeProfileRecord(dataDir: string, record: ProfileRecord): Promise<void> {
  await writeFileAtomic(profileFilePath(dataDir, record.id), `${JSON.stringify(record, null, 2)}\n`);
}

export function kdfParamsOf(record: ProfileRecord): ScryptParams {
  return { N: record.kdf.N, r: record.kdf.r, p: record.kdf.p };
}

export function wrappedKeyOf(record: ProfileRecord): WrappedKey {
  return {
    iv: Buffer.from(record.wrappedKey.iv, 'base64'),
    ciphertext: Buffer.from(record.wrappedKey.ciphertext, 'base64'),
    tag: Buffer.from(record.wrappedKey.tag, 'base64'),
  };
}

/** The record's key material, replaced after a (re)wrap. */
export function withWrap(record: Omit<ProfileRecord, 'kdf' | 'wrappedKey'>, params: ScryptParams, salt: Buffer, wrapped: WrappedKey): ProfileRecord {
  return {
    ...record,
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
    wrappedKey: {
      alg: 'aes-256-gcm',
      iv: wrapped.iv.toString('base64'),
      ciphertext: wrapped.ciphertext.toString('base64'),
      tag: wrapped.tag.toString('base64'),
    },
  };
}

export function keychainVersionOf(record: ProfileRecord): number {
  return record.keychainVersion ?? 0;
}

export function withFailures(record: ProfileRecord, failures: FailureCounters): ProfileRecord {
  return { ...record, failures: { ...failures } };
}

export function isMissingFile(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function damaged(cause: unknown): VaultError {
  return new VaultError(
    { kind: 'damaged-profile' },
    'This profile’s settings file is damaged, so Wardline cannot open it. Ask IT for help; do not delete it yourself.',
    { cause },
  );
}
