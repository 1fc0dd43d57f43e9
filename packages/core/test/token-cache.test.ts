import { createHash } from 'node:crypto';
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
  // What the verifier stores: a result that carries its own token.
  const resultFor = (token: string, scope = 'x') =>
    ({ token, scopes: new ScopeSet([scope]) }) as unknown as VerifiedToken;
  // Tokens that differ everywhere, as real signatures do (deterministic: no flaky collisions).
  const tokenOf = (label: string) => `${label}.${createHash('sha256').update(label).digest('base64url')}`;

  it('stores with a TTL and drops entries once it passes', async () => {
    const cache = createTokenCache(undefined)!;
    const t = tokenOf('t');
    const verified = resultFor(t);
    cache.set(t, verified, 30);
    expect(cache.get(t)).toBe(verified);
    expect(cache.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(cache.get(t)).toBeUndefined();
  });

  it('finds each of many tokens again, from a fresh copy of the string', () => {
    const cache = createTokenCache(undefined)!;
    const tokens = Array.from({ length: 2000 }, (_, i) => tokenOf(`client-${i}`));
    const results = tokens.map((t) => resultFor(t));
    // A request brings its own copy of the token, never the stored string object.
    const copy = (t: string) => Buffer.from(t).toString('latin1');
    for (const [i, t] of tokens.entries()) {
      cache.set(t, results[i] as VerifiedToken, 60_000);
      expect(cache.get(copy(t))).toBe(results[i]);
    }
    // Later too. Keys are 30-bit and seeded per process, so two of these 2000 may share one
    // (about 1 run in 500); each such pair costs one entry, never a wrong answer.
    let found = 0;
    for (const [i, t] of tokens.entries()) {
      const hit = cache.get(copy(t));
      if (hit !== undefined) {
        expect(hit).toBe(results[i]);
        found++;
      }
    }
    expect(found).toBeGreaterThanOrEqual(1995);
    expect(cache.size).toBe(found);
  });

  it('never answers a token with the result of another that ends the same way', () => {
    // The LRU key is read from the length and a few characters near the end: these share them.
    const tail = 'S'.repeat(100);
    const a = `aaaa.bbbb.${tail}`;
    const b = `xxxx.yyyy.${tail}`;
    const c = `cccc.dddd.${tail}`;
    const forA = resultFor(a);
    const forB = resultFor(b, 'y');
    const forC = resultFor(c, 'z');
    const cache = createTokenCache(undefined)!;
    cache.set(a, forA, 60_000);
    expect(cache.get(a)).toBe(forA);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(c)).toBeUndefined();
    expect(cache.get(a)).toBe(forA);
    // A token with the same key displaces the other; neither is answered for the other.
    cache.set(b, forB, 60_000);
    expect(cache.get(a)).toBeUndefined();
    expect(cache.get(b)).toBe(forB);
    expect(cache.size).toBe(1);
    // Deleting a token leaves the entry of another one sharing its key.
    cache.delete(a);
    cache.delete(c);
    expect(cache.get(b)).toBe(forB);
    cache.set(c, forC, 60_000);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(c)).toBe(forC);
    // The last character is not read for the key; the whole token is still compared.
    expect(cache.get(`${c.slice(0, -1)}T`)).toBeUndefined();
  });

  it('keys tokens with a seed of its own in each process (module instance)', async () => {
    const tokens = ['a', tokenOf('x'), tokenOf('y'), `${'z'.repeat(300)}.abcdefgh`];
    const first = (await import('../src/token-cache.js')).keyOf;
    vi.resetModules();
    const second = (await import('../src/token-cache.js')).keyOf;
    expect(second).not.toBe(first);
    for (const t of tokens) {
      expect(first(t)).toBe(first(Buffer.from(t).toString('latin1'))); // stable within one
      expect(Number.isInteger(first(t)) && first(t) >= 0 && first(t) < 2 ** 30).toBe(true);
    }
    // Unseeded, every instance would key a token alike and anyone could compute its key.
    expect(tokens.map(first)).not.toEqual(tokens.map(second));
  });

  it("stores nothing for a result that is not the token's own", () => {
    const cache = createTokenCache(undefined)!;
    const a = tokenOf('a');
    cache.set(a, resultFor(tokenOf('b')), 60_000);
    expect(cache.get(a)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forgets entries the LRU evicted or deleted, even the most recent ones', () => {
    const cache = createTokenCache({ maxEntries: 1 })!;
    const [a, b] = [tokenOf('a'), tokenOf('b')];
    const forA = resultFor(a);
    cache.set(a, forA, 60_000);
    expect(cache.get(a)).toBe(forA);
    cache.set(b, resultFor(b), 60_000); // evicts a
    expect(cache.get(a)).toBeUndefined();
    cache.delete(b);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps least-recently-used order on hits', () => {
    const cache = createTokenCache({ maxEntries: 2 })!;
    const [a, b, c] = [tokenOf('a'), tokenOf('b'), tokenOf('c')];
    cache.set(a, resultFor(a), 60_000);
    cache.set(b, resultFor(b), 60_000);
    expect(cache.get(a)?.token).toBe(a); // a is now the most recent
    cache.set(c, resultFor(c), 60_000); // evicts b, not a
    expect(cache.get(a)?.token).toBe(a);
    expect(cache.get(b)).toBeUndefined();
  });

  it('replaces the entry of a token stored again', () => {
    const cache = createTokenCache(undefined)!;
    const a = tokenOf('a');
    const other = resultFor(a, 'y');
    cache.set(a, resultFor(a), 60_000);
    cache.set(a, other, 60_000);
    expect(cache.get(a)).toBe(other);
    expect(cache.size).toBe(1);
  });

  it('stores nothing for a NaN TTL, and answers undefined for a key that is not a string', () => {
    const cache = createTokenCache(undefined)!;
    const a = tokenOf('a');
    cache.set(a, resultFor(a), Number.NaN);
    expect(cache.get(a)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get(123 as unknown as string)).toBeUndefined();
    cache.delete(123 as unknown as string);
  });

  it('does not store entries that are already due', () => {
    const cache = createTokenCache({})!;
    cache.set('t', resultFor('t'), 0);
    cache.set('u', resultFor('u'), -5);
    expect(cache.size).toBe(0);
    cache.set('v', resultFor('v'), 1000);
    expect(cache.get('v')?.token).toBe('v');
    cache.delete('v');
    expect(cache.get('v')).toBeUndefined();
  });

  it('takes tokens of any length, down to the empty string', () => {
    const cache = createTokenCache(undefined)!;
    for (const t of ['', 'a', 'ab', 'abcdefg']) {
      cache.set(t, resultFor(t), 60_000);
      expect(cache.get(t)?.token).toBe(t);
    }
  });

  it('false disables; bad options are configuration errors', () => {
    expect(createTokenCache(false)).toBeUndefined();
    expect(() => createTokenCache({ maxEntries: 1.5 })).toThrow(ConfigurationError);
    expect(() => createTokenCache('big' as never)).toThrow(ConfigurationError);
  });
});
