import { describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  createTokenCache,
  createVerifier,
  ScopeSet,
  SignatureInvalidError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenTooOldError,
  type VerifiedToken,
  type VerifierOptions,
} from '../src/index.js';
import * as signature from '../src/jwt/signature.js';
import { AUDIENCE, baseClaims, ISSUER, jwksOf, NOW, NOW_MS, sign, testKey } from './support/tokens.js';

// Count real signature checks without changing them.
vi.mock('../src/jwt/signature.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/jwt/signature.js')>();
  return { ...original, verifyJwsSignature: vi.fn(original.verifyJwsSignature) };
});
const signatureChecks = () => vi.mocked(signature.verifyJwsSignature).mock.calls.length;

async function setup(extra: Partial<VerifierOptions> = {}) {
  let clock = NOW_MS;
  const jwks = await jwksOf(testKey('RS256'));
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks,
    now: () => clock,
    ...extra,
  });
  return {
    verifier,
    setClock: (ms: number) => {
      clock = ms;
    },
  };
}

describe('verified-token cache', () => {
  it('a hit skips parsing and signature work and returns the same object', async () => {
    const { verifier } = await setup();
    const token = await sign('RS256');
    const before = signatureChecks();
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    const third = await verifier.verify(token);
    expect(signatureChecks() - before).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('still enforces exp on hits and then drops the entry', async () => {
    const { verifier, setClock } = await setup();
    const token = await sign('RS256', baseClaims({ exp: NOW + 60 }));
    const before = signatureChecks();
    await verifier.verify(token);
    setClock(NOW_MS + 64_000); // within the 5 s tolerance
    await expect(verifier.verify(token)).resolves.toBeDefined();
    setClock(NOW_MS + 65_000);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(TokenExpiredError);
    expect(signatureChecks() - before).toBe(1);
    // the expired entry is gone: back in time, the token is verified from scratch
    setClock(NOW_MS);
    await verifier.verify(token);
    expect(signatureChecks() - before).toBe(2);
  });

  it('still enforces nbf and maxTokenAgeSec on hits', async () => {
    const { verifier, setClock } = await setup({ maxTokenAgeSec: 100 });
    const token = await sign('RS256', baseClaims({ nbf: NOW, iat: NOW }));
    await verifier.verify(token);
    setClock(NOW_MS - 10_000);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(TokenNotYetValidError);
    setClock(NOW_MS + 106_000);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(TokenTooOldError);
  });

  it('never caches failures', async () => {
    const { verifier } = await setup();
    const token = await sign('RS256', baseClaims(), { key: await testKey('RS256', 'other'), kid: 'rsa-a' });
    const before = signatureChecks();
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(SignatureInvalidError);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(SignatureInvalidError);
    expect(signatureChecks() - before).toBe(2);
  });

  it('tokenCache: false verifies every time', async () => {
    const { verifier } = await setup({ tokenCache: false });
    const token = await sign('RS256');
    const before = signatureChecks();
    await verifier.verify(token);
    await verifier.verify(token);
    expect(signatureChecks() - before).toBe(2);
  });

  it('is bounded by maxEntries (LRU)', async () => {
    const { verifier } = await setup({ tokenCache: { maxEntries: 1 } });
    const a = await sign('RS256', baseClaims({ jti: 'a' }));
    const b = await sign('RS256', baseClaims({ jti: 'b' }));
    const before = signatureChecks();
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a);
    expect(signatureChecks() - before).toBe(3);
  });
});

describe('createTokenCache', () => {
  const verified = { scopes: new ScopeSet() } as unknown as VerifiedToken;

  it('stores with a TTL and drops entries once it passes', async () => {
    const cache = createTokenCache(undefined)!;
    cache.set('t', verified, 30);
    expect(cache.get('t')).toBe(verified);
    expect(cache.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(cache.get('t')).toBeUndefined();
  });

  it('keeps tokens that share a front-table slot apart', () => {
    // Same length and same characters where the slot is read: the same slot.
    const a = `${'a'.repeat(40)}.XYZ1234567890`;
    const b = `${'b'.repeat(40)}.XYZ1234567890`;
    const other = { scopes: new ScopeSet(['x']) } as unknown as VerifiedToken;
    const cache = createTokenCache(undefined)!;
    cache.set(a, verified, 60_000);
    cache.set(b, other, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(cache.get(a)).toBe(verified);
      expect(cache.get(b)).toBe(other);
    }
    expect(cache.get(`${'c'.repeat(40)}.XYZ1234567890`)).toBeUndefined();
  });

  it('never answers a token with the result of another that ends the same way', () => {
    // The LRU is keyed by the last 43 characters: these share them (and a front-table slot).
    const tail = 'S'.repeat(100);
    const a = `aaaa.bbbb.${tail}`;
    const b = `xxxx.yyyy.${tail}`;
    const c = `cc.dd.${tail}`; // same tail, another length: another front-table slot
    const other = { scopes: new ScopeSet(['x']) } as unknown as VerifiedToken;
    const cache = createTokenCache(undefined)!;
    cache.set(a, verified, 60_000);
    expect(cache.get(a)).toBe(verified);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(c)).toBeUndefined();
    expect(cache.get(a)).toBe(verified);
    // A token with the same tail displaces the other; neither is answered for the other.
    cache.set(b, other, 60_000);
    expect(cache.get(a)).toBeUndefined();
    expect(cache.get(b)).toBe(other);
    expect(cache.size).toBe(1);
    // Deleting a token leaves the entry of another one sharing its tail.
    cache.delete(a);
    cache.delete(c);
    expect(cache.get(b)).toBe(other);
    cache.set(c, verified, 60_000);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(c)).toBe(verified);
    expect(cache.get(`${c.slice(0, -1)}T`)).toBeUndefined();
  });

  it('forgets entries the LRU evicted or deleted, even the most recent ones', () => {
    const cache = createTokenCache({ maxEntries: 1 })!;
    cache.set('token-a-0123456789', verified, 60_000);
    expect(cache.get('token-a-0123456789')).toBe(verified);
    cache.set('token-b-9876543210', verified, 60_000); // evicts a
    expect(cache.get('token-a-0123456789')).toBeUndefined();
    cache.delete('token-b-9876543210');
    expect(cache.get('token-b-9876543210')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps least-recently-used order although hits are found in the front table', () => {
    const cache = createTokenCache({ maxEntries: 2 })!;
    cache.set('token-a-0123456789', verified, 60_000);
    cache.set('token-b-0123456789', verified, 60_000);
    expect(cache.get('token-a-0123456789')).toBe(verified); // a is now the most recent
    cache.set('token-c-0123456789', verified, 60_000); // evicts b, not a
    expect(cache.get('token-a-0123456789')).toBe(verified);
    expect(cache.get('token-b-0123456789')).toBeUndefined();
  });

  it('replaces the entry of a token stored again', () => {
    const cache = createTokenCache(undefined)!;
    const other = { scopes: new ScopeSet(['y']) } as unknown as VerifiedToken;
    cache.set('token-a-0123456789', verified, 60_000);
    cache.set('token-a-0123456789', other, 60_000);
    expect(cache.get('token-a-0123456789')).toBe(other);
    expect(cache.size).toBe(1);
  });

  it('stores nothing for a NaN TTL, and answers undefined for a key that is not a string', () => {
    const cache = createTokenCache(undefined)!;
    cache.set('token-a-0123456789', verified, Number.NaN);
    expect(cache.get('token-a-0123456789')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get(123 as unknown as string)).toBeUndefined();
  });

  it('does not store entries that are already due', () => {
    const cache = createTokenCache({})!;
    cache.set('t', verified, 0);
    cache.set('u', verified, -5);
    expect(cache.size).toBe(0);
    cache.set('v', verified, 1000);
    cache.delete('v');
    expect(cache.get('v')).toBeUndefined();
  });

  it('false disables; bad options are configuration errors', () => {
    expect(createTokenCache(false)).toBeUndefined();
    expect(() => createTokenCache({ maxEntries: 1.5 })).toThrow(ConfigurationError);
    expect(() => createTokenCache('big' as never)).toThrow(ConfigurationError);
  });
});
