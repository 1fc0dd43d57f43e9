import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlgorithmNotAllowedError, KeyNotFoundError } from '../src/errors.js';
import { importVerificationKey, isSigningKey, MIN_RSA_BITS } from '../src/keys/import-key.js';
import { KeySet } from '../src/keys/key-set.js';
import type { Jwk } from '../src/types.js';

const rsaJwk = (bits: number, extra: Partial<Jwk> = {}): Jwk => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { ...(publicKey.export({ format: 'jwk' }) as Jwk), kid: `rsa-${bits}`, ...extra };
};
const ecJwk = (kid: string, extra: Partial<Jwk> = {}): Jwk => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(publicKey.export({ format: 'jwk' }) as Jwk), kid, ...extra };
};

describe('importVerificationKey', () => {
  it(`ignores RSA keys below ${MIN_RSA_BITS} bits and accepts ${MIN_RSA_BITS}`, async () => {
    expect(await importVerificationKey(rsaJwk(1024))).toBeUndefined();
    const key = await importVerificationKey(rsaJwk(2048));
    expect(key?.kty).toBe('RSA');
  });

  it('imports public keys only, and refuses a JWK that carries its private part', async () => {
    const key = await importVerificationKey(rsaJwk(2048));
    expect(key?.keyObject.type).toBe('public');
    // Published, a private key lets anyone sign; jose (the reference) refuses it too.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = privateKey.export({ format: 'jwk' }) as Jwk;
    expect(await importVerificationKey(privateJwk)).toBeUndefined();
    const { d: _d, ...publicHalf } = privateJwk;
    expect(await importVerificationKey(publicHalf as Jwk)).toBeDefined();
  });

  it('refuses key_ops other than ["verify"] and a non-boolean ext, as jose does', () => {
    const base = { kty: 'EC' };
    expect(isSigningKey({ ...base, key_ops: ['verify'], ext: true })).toBe(true);
    expect(isSigningKey({ ...base, ext: false })).toBe(true);
    for (const key_ops of [['verify', 'verify'], ['sign', 'verify'], ['verify', 1], [], 'verify', null])
      expect(isSigningKey({ ...base, key_ops } as unknown as Jwk)).toBe(false);
    for (const ext of ['yes', 0, null]) expect(isSigningKey({ ...base, ext })).toBe(false);
  });

  it('ignores keys not meant for signatures, unknown types and malformed members', async () => {
    expect(await importVerificationKey(ecJwk('enc', { use: 'enc' }))).toBeUndefined();
    expect(await importVerificationKey(ecJwk('ops', { key_ops: ['encrypt'] }))).toBeUndefined();
    expect(await importVerificationKey({ kty: 'oct', k: 'c2VjcmV0' })).toBeUndefined();
    expect(await importVerificationKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })).toBeUndefined();
    expect(await importVerificationKey({ kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' })).toBeUndefined();
    expect(await importVerificationKey({ kty: 'RSA', n: 5, e: 'AQAB' } as unknown as Jwk)).toBeUndefined();
    expect(await importVerificationKey(ecJwk('ok', { use: 'sig', key_ops: ['verify'] }))).toBeDefined();
    // Ed448: jose (the reference) cannot verify it, so it is not a usable key; Ed25519 is.
    const okp = (type: 'ed448' | 'ed25519') =>
      generateKeyPairSync(type as 'ed25519').publicKey.export({ format: 'jwk' }) as Jwk;
    expect(await importVerificationKey(okp('ed448'))).toBeUndefined();
    expect(await importVerificationKey(okp('ed25519'))).toBeDefined();
    expect(isSigningKey({ kty: 'EC' })).toBe(true);
  });
});

describe('KeySet selection', () => {
  it('selects by kid, and refuses a token alg its key does not declare or fit', async () => {
    const set = await KeySet.fromJwks({ keys: [ecJwk('a', { alg: 'ES256' }), rsaJwk(2048, { kid: 'r' })] });
    expect(set.size).toBe(2);
    expect(set.find({ alg: 'ES256', kid: 'a' })?.kid).toBe('a');
    expect(set.find({ alg: 'ES256', kid: 'missing' })).toBeUndefined();
    expect(() => set.find({ alg: 'ES384', kid: 'a' })).toThrow(AlgorithmNotAllowedError);
    expect(() => set.find({ alg: 'ES256', kid: 'r' })).toThrow(AlgorithmNotAllowedError);
  });

  it('without a kid uses the only key that fits, and refuses to guess between several', async () => {
    const one = await KeySet.fromJwks({ keys: [ecJwk('a'), rsaJwk(2048, { kid: 'r' })] });
    expect(one.find({ alg: 'ES256' })?.kid).toBe('a');
    const two = await KeySet.fromJwks({ keys: [ecJwk('a'), ecJwk('b')] });
    expect(() => two.find({ alg: 'ES256' })).toThrow(KeyNotFoundError);
    expect(two.find({ alg: 'PS256' })).toBeUndefined();
  });

  it('keeps the first of duplicated kids and caps the number of keys', async () => {
    const first = ecJwk('dup');
    const set = await KeySet.fromJwks({ keys: [first, ecJwk('dup'), ecJwk('c')] }, 2);
    expect(set.size).toBe(2);
    expect(set.find({ alg: 'ES256', kid: 'dup' })?.keyObject.export({ format: 'jwk' }).x).toBe(first.x);
    expect(set.hasKid('c')).toBe(false);
  });

  it('with a kid shared by keys of different types, uses the one that fits the alg (RFC 7517 4.5)', async () => {
    const rsa = rsaJwk(2048, { kid: 'shared' });
    const ec = ecJwk('shared');
    const set = await KeySet.fromJwks({ keys: [rsa, ec] });
    expect(set.find({ alg: 'ES256', kid: 'shared' })?.kty).toBe('EC');
    expect(set.find({ alg: 'RS256', kid: 'shared' })?.kty).toBe('RSA');
    // No key of that kid fits: the first one's error, as before.
    expect(() => set.find({ alg: 'EdDSA', kid: 'shared' })).toThrow(AlgorithmNotAllowedError);
    // A later key's own alg counts too.
    const pinned = await KeySet.fromJwks({
      keys: [ecJwk('p', { alg: 'ES384' }), ecJwk('p', { alg: 'ES256' })],
    });
    expect(pinned.find({ alg: 'ES256', kid: 'p' })?.alg).toBe('ES256');
  });

  it('treats a set without a keys array as empty', async () => {
    expect((await KeySet.fromJwks({} as never)).size).toBe(0);
  });
});
