// SCRAM against the RFC test vectors: SHA-1 from RFC 5802 §5 (what Prosody 0.12 offers, since its
// internal_hashed store keeps SHA-1 keys only) and SHA-256 from RFC 7677 §3 (which our Prosody
// cannot exercise). Also the refusals that make SCRAM mutual and downgrade-resistant.
import { describe, expect, it } from 'vitest';
import { chooseMechanism } from '../../electron/core/xmpp/login.js';
import { saslPrep } from '../../electron/core/xmpp/saslPrep.js';
import { ScramClient, ScramError } from '../../electron/core/xmpp/scram.js';

const rfc5802 = {
  hash: 'sha1',
  clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
} as const;

const rfc7677 = {
  hash: 'sha256',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
} as const;

describe('SCRAM client', () => {
  for (const [name, vector] of [['SCRAM-SHA-1 (RFC 5802)', rfc5802], ['SCRAM-SHA-256 (RFC 7677)', rfc7677]] as const) {
    it(`matches the ${name} test vector and accepts the server's signature`, async () => {
      const client = new ScramClient({ hash: vector.hash, username: 'user', password: 'pencil', clientNonce: vector.clientNonce });
      expect(client.clientFirst()).toBe(vector.clientFirst);
      expect(await client.clientFinal(vector.serverFirst)).toBe(vector.clientFinal);
      expect(() => client.verifyServerFinal(vector.serverFinal)).not.toThrow();
    });
  }

  it('rejects a server that cannot prove it knows the password', async () => {
    const client = new ScramClient({ hash: 'sha256', username: 'user', password: 'pencil', clientNonce: rfc7677.clientNonce });
    await client.clientFinal(rfc7677.serverFirst);
    expect(() => client.verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(ScramError);
    expect(() => client.verifyServerFinal('e=invalid-proof')).toThrow(/invalid-proof/);
  });

  it('refuses a nonce the server did not extend, a weak iteration count and missing fields', async () => {
    const make = (): ScramClient => new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', clientNonce: 'abc' });
    await expect(make().clientFinal('r=xyz123,s=QSXCR+Q6sek8bf92,i=4096')).rejects.toThrow(/nonce/);
    await expect(make().clientFinal('r=abc,s=QSXCR+Q6sek8bf92,i=4096')).rejects.toThrow(/nonce/);
    await expect(make().clientFinal('r=abcdef,s=QSXCR+Q6sek8bf92,i=1000')).rejects.toThrow(/iteration/);
    await expect(make().clientFinal('r=abcdef,i=4096')).rejects.toThrow(/Malformed/);
    await expect(make().clientFinal('m=ext,r=abcdef,s=QSXCR+Q6sek8bf92,i=4096')).rejects.toThrow(/extension/);
  });

  it('reuses SaltedPassword for the same salt and count, and still produces the right proof', async () => {
    const cache = new Map<string, Buffer>();
    for (let round = 0; round < 2; round += 1) {
      const client = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', clientNonce: rfc5802.clientNonce, cache });
      expect(await client.clientFinal(rfc5802.serverFirst)).toBe(rfc5802.clientFinal);
    }
    expect(cache.size).toBe(1);
  });

  it('escapes "," and "=" in the username', () => {
    const client = new ScramClient({ hash: 'sha1', username: 'a=b,c', password: 'x', clientNonce: 'n' });
    expect(client.clientFirst()).toBe('n,,n=a=3Db=2Cc,r=n');
  });
});

describe('SASLprep', () => {
  it('maps non-ASCII spaces, drops soft hyphens, normalises to NFKC and refuses controls', () => {
    expect(saslPrep('I\u00adX')).toBe('IX');
    expect(saslPrep('a\u00a0b')).toBe('a b');
    expect(saslPrep('cafe\u0301')).toBe('caf\u00e9');
    expect(saslPrep('\u2168')).toBe('IX');
    // Refused as an account problem (never retried), not a network one (retried forever).
    expect(() => saslPrep('a\u0007b')).toThrow(expect.objectContaining({ kind: 'auth', condition: 'invalid-password-characters' }));
  });
});

describe('SASL mechanism choice', () => {
  it('prefers SCRAM-SHA-256, then SCRAM-SHA-1, and takes PLAIN only when allowPlain is set (Wardline never sets it)', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'], false)).toBe('SCRAM-SHA-256');
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1'], false)).toBe('SCRAM-SHA-1');
    expect(chooseMechanism(['PLAIN'], false)).toBeUndefined();
    expect(chooseMechanism(['PLAIN', 'DIGEST-MD5'], true)).toBe('PLAIN');
    expect(chooseMechanism(['SCRAM-SHA-1-PLUS', 'DIGEST-MD5'], true)).toBeUndefined();
  });
});
