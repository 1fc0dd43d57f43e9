import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AlgorithmNotAllowedError,
  ConfigurationError,
  createVerifier,
  InvalidTokenError,
  KeyNotFoundError,
  type KeySource,
  MalformedTokenError,
  SignatureInvalidError,
  TemporarilyUnavailableError,
  type VerifiedToken,
  type VerifierOptions,
} from '../src/index.js';
import {
  ASYMMETRIC_ALGS,
  AUDIENCE,
  baseClaims,
  HMAC_ALGS,
  ISSUER,
  jwksOf,
  NOW,
  NOW_MS,
  SECRET,
  sign,
  testKey,
} from './support/tokens.js';

const now = () => NOW_MS;

async function staticVerifier(extra: Partial<VerifierOptions> = {}) {
  const jwks = await jwksOf(
    testKey('RS256'),
    testKey('ES256'),
    testKey('ES384'),
    testKey('ES512'),
    testKey('EdDSA'),
  );
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, now, ...extra });
}

async function rejection(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  return error as InvalidTokenError;
}

describe('verify: algorithms', () => {
  it.each(ASYMMETRIC_ALGS)('accepts %s from a static JWKS', async (alg) => {
    const verifier = await staticVerifier();
    const token = await sign(alg);
    const auth = await verifier.verify(token);
    expect(auth.header.alg).toBe(alg);
    expect(auth.subject).toBe('nightly-data-sync');
  });

  it.each(HMAC_ALGS)('accepts %s with a secret', async (alg) => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, now });
    const auth = await verifier.verify(await sign(alg));
    expect(auth.header.alg).toBe(alg);
  });

  it('accepts the fully-specified Ed25519 alg only when allowed', async () => {
    const token = await sign('Ed25519', baseClaims(), { key: await testKey('EdDSA') });
    const defaults = await staticVerifier();
    expect((await rejection(defaults.verify(token))).reason).toBe('alg');
    const allowed = await staticVerifier({ algorithms: ['Ed25519'] });
    expect((await allowed.verify(token)).header.alg).toBe('Ed25519');
  });

  it('rejects an algorithm outside a narrowed allow-list', async () => {
    const verifier = await staticVerifier({ algorithms: ['ES256'] });
    const error = await rejection(verifier.verify(await sign('RS256')));
    expect(error).toBeInstanceOf(AlgorithmNotAllowedError);
    expect(error.status).toBe(401);
  });

  it('rejects HS tokens when no secret is configured', async () => {
    const verifier = await staticVerifier();
    expect(await rejection(verifier.verify(await sign('HS256')))).toBeInstanceOf(AlgorithmNotAllowedError);
  });

  it('rejects asymmetric tokens when a secret is configured', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, now });
    expect(await rejection(verifier.verify(await sign('RS256')))).toBeInstanceOf(AlgorithmNotAllowedError);
  });

  it('verifies tokens larger than its reusable buffers, then small ones, and still refuses tampering', async () => {
    const verifier = await staticVerifier({ tokenCache: false });
    const secretVerifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, now });
    const big = baseClaims({ padding: 'x'.repeat(4000) });
    for (const alg of ['RS256', 'ES512', 'EdDSA', 'HS512'] as const) {
      const v = alg === 'HS512' ? secretVerifier : verifier;
      const large = await sign(alg, big);
      expect(large.length).toBeGreaterThan(4096);
      expect((await v.verify(large)).claims.padding).toHaveLength(4000);
      const small = await sign(alg);
      expect((await v.verify(small)).subject).toBe('nightly-data-sync');
      // The same small token with one signature character changed, after the buffers grew.
      const i = small.length - 3;
      const forged = small.slice(0, i) + (small[i] === 'A' ? 'B' : 'A') + small.slice(i + 1);
      expect(await rejection(v.verify(forged))).toBeInstanceOf(InvalidTokenError);
      expect(
        await rejection(v.verify(`${large.slice(0, large.lastIndexOf('.'))}.${small.split('.')[2]}`)),
      ).toBeInstanceOf(SignatureInvalidError);
    }
  });

  it('rejects a JWK whose own alg differs from the token alg', async () => {
    const key = await testKey('RS256');
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [{ ...key.publicJwk, alg: 'RS256' } as never] },
      now,
    });
    const error = await rejection(verifier.verify(await sign('PS256')));
    expect(error).toBeInstanceOf(AlgorithmNotAllowedError);
    expect(error.message).toBe('the token alg does not match the alg of its key');
  });
});

describe('verify: result', () => {
  it('returns the contract fields, frozen, with read-only scopes', async () => {
    const verifier = await staticVerifier();
    const token = await sign('RS256');
    const auth: VerifiedToken = await verifier.verify(token);
    expect(auth).toMatchObject({
      token,
      issuer: ISSUER,
      subject: 'nightly-data-sync',
      subjectType: 'client',
      clientId: 'nightly-data-sync',
      expiresAt: NOW + 300,
    });
    expect(auth.header).toEqual({ alg: 'RS256', kid: 'rsa-a' });
    expect(auth.claims.scope).toBe('data:read data:write');
    expect([...auth.scopes]).toEqual(['data:read', 'data:write']);
    expect(Object.isFrozen(auth)).toBe(true);
    expect(Object.isFrozen(auth.claims)).toBe(true);
    expect(Object.isFrozen(auth.header)).toBe(true);
    expect(() => (auth.scopes as Set<string>).add('admin')).toThrow(TypeError);
    expect(() => (auth.scopes as Set<string>).delete('data:read')).toThrow(TypeError);
    expect(() => (auth.scopes as Set<string>).clear()).toThrow(TypeError);
    expect(auth.scopes.has('data:read')).toBe(true);
  });

  it('deep-freezes nested claims shared through the cache', async () => {
    const verifier = await staticVerifier();
    const auth = await verifier.verify(await sign('ES256', baseClaims({ ext: { tier: ['gold'] } })));
    expect(Object.isFrozen((auth.claims.ext as { tier: string[] }).tier)).toBe(true);
  });

  it('verifies without kid when exactly one key fits the algorithm', async () => {
    const verifier = await staticVerifier();
    const auth = await verifier.verify(await sign('ES384', baseClaims(), { kid: null }));
    expect(auth.header.kid).toBeUndefined();
  });

  it('verifies on the first (async key load) and later (sync) calls alike', async () => {
    const verifier = await staticVerifier({ tokenCache: false });
    const token = await sign('EdDSA');
    const [a, b] = await Promise.all([verifier.verify(token), verifier.verify(token)]);
    const c = await verifier.verify(token);
    expect([a.subject, b.subject, c.subject]).toEqual([
      'nightly-data-sync',
      'nightly-data-sync',
      'nightly-data-sync',
    ]);
  });
});

describe('verify: key failures', () => {
  it('rejects a token signed by another key with the same kid', async () => {
    const verifier = await staticVerifier();
    const token = await sign('RS256', baseClaims(), { key: await testKey('RS256', 'other'), kid: 'rsa-a' });
    const error = await rejection(verifier.verify(token));
    expect(error).toBeInstanceOf(SignatureInvalidError);
    expect(error.toBody()).toEqual({
      error: 'invalid_token',
      error_description: 'the token signature is invalid',
    });
  });

  it('rejects an unknown kid', async () => {
    const verifier = await staticVerifier();
    const error = await rejection(verifier.verify(await sign('RS256', baseClaims(), { kid: 'nope' })));
    expect(error).toBeInstanceOf(KeyNotFoundError);
    expect(error.reason).toBe('kid');
  });

  it('turns a key source failure into 503, sync or async', async () => {
    const token = await sign('RS256');
    const throwing: KeySource = {
      getKey() {
        throw new Error('socket hang up');
      },
      warmup: () => Promise.reject(new Error('down')),
    };
    const rejecting: KeySource = { getKey: () => Promise.reject(new Error('down')), warmup: async () => {} };
    for (const keySource of [throwing, rejecting]) {
      const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource, now });
      const error = await rejection(verifier.verify(token));
      expect(error).toBeInstanceOf(TemporarilyUnavailableError);
      expect(error.status).toBe(503);
      expect(error.message).not.toContain('socket');
    }
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource: throwing, now });
    await expect(verifier.warmup()).rejects.toBeInstanceOf(TemporarilyUnavailableError);
  });

  it('passes ScopegateErrors from an async key source through', async () => {
    const keySource: KeySource = {
      getKey: () => Promise.reject(new KeyNotFoundError()),
      warmup: async () => {},
    };
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource, now });
    expect(await rejection(verifier.verify(await sign('RS256')))).toBeInstanceOf(KeyNotFoundError);
  });

  it('fails closed with 401 on an unexpected internal error', async () => {
    const keySource: KeySource = {
      // A broken key source (returns nothing): a bug, not a client mistake.
      getKey: () => null as never,
      warmup: async () => {},
    };
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource, now });
    const error = await rejection(verifier.verify(await sign('RS256')));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.reason).toBe('internal');
    expect(error.toBody()).toEqual({
      error: 'invalid_token',
      error_description: 'the token could not be verified',
    });
    const asyncSource: KeySource = { getKey: async () => null as never, warmup: async () => {} };
    const asyncVerifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource: asyncSource, now });
    expect((await rejection(asyncVerifier.verify(await sign('RS256')))).reason).toBe('internal');
  });

  it('never verifies HS with a public key handed out by a key source', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keySource: KeySource = {
      getKey: () => ({ kid: undefined, alg: undefined, kty: 'oct', crv: undefined, keyObject: publicKey }),
      warmup: async () => {},
    };
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const token = await sign('HS256', baseClaims(), { key: new TextEncoder().encode(pem) });
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keySource,
      algorithms: ['HS256'],
      now,
    });
    expect(await rejection(verifier.verify(token))).toBeInstanceOf(SignatureInvalidError);
  });

  it('rejects a non-string token', async () => {
    const verifier = await staticVerifier();
    expect(await rejection(verifier.verify(42 as never))).toBeInstanceOf(MalformedTokenError);
  });

  it('warms up a static key source', async () => {
    const verifier = await staticVerifier();
    await expect(verifier.warmup()).resolves.toBeUndefined();
    expect(verifier.realm).toBe('api');
  });
});

describe('createVerifier: configuration', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [] } };
  const cases: [string, unknown, RegExp][] = [
    ['no options', undefined, /options object/],
    ['no issuer', { audience: AUDIENCE, jwks: { keys: [] } }, /issuer/],
    ['empty issuer list', { ...base, issuer: [] }, /issuer/],
    ['no audience', { issuer: ISSUER, jwks: { keys: [] } }, /audience/],
    ['audience with an empty string', { ...base, audience: [''] }, /audience/],
    ['two key sources', { ...base, secret: SECRET }, /only one key source/],
    ['jwksUri and jwks', { ...base, jwksUri: 'https://auth.example.com/jwks' }, /only one key source/],
    [
      'secret with RS256',
      { issuer: ISSUER, audience: AUDIENCE, secret: SECRET, algorithms: ['HS256', 'RS256'] },
      /asymmetric/,
    ],
    ['HS256 without secret', { ...base, algorithms: ['HS256'] }, /explicit `secret`/],
    ['none', { ...base, algorithms: ['none'] }, /none/],
    ['NONE', { ...base, algorithms: ['NONE'] }, /none/],
    ['unknown alg', { ...base, algorithms: ['RS1'] }, /unsupported algorithm/],
    ['empty algorithms', { ...base, algorithms: [] }, /non-empty/],
    ['short secret', { issuer: ISSUER, audience: AUDIENCE, secret: 'short' }, /32 bytes/],
    ['secret of a wrong type', { issuer: ISSUER, audience: AUDIENCE, secret: 42 }, /string or a Uint8Array/],
    [
      'http jwksUri on a public host',
      { issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://auth.example.com/jwks' },
      /http/,
    ],
    ['http issuer for discovery', { issuer: 'http://auth.example.com/', audience: AUDIENCE }, /http/],
    ['bad jwks', { issuer: ISSUER, audience: AUDIENCE, jwks: { nope: 1 } }, /JWK Set/],
    [
      'a private key in jwks',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] },
      },
      /private key/,
    ],
    ['negative tolerance', { ...base, clockToleranceSec: -1 }, /clockToleranceSec/],
    ['zero maxTokenAgeSec', { ...base, maxTokenAgeSec: 0 }, /maxTokenAgeSec/],
    ['tiny maxTokenLength', { ...base, maxTokenLength: 2 }, /maxTokenLength/],
    ['bad scopeMatch', { ...base, scopeMatch: 'prefix' }, /scopeMatch/],
    ['bad profile', { ...base, profile: 'google' }, /unknown profile/],
    ['bad tokenCache', { ...base, tokenCache: { maxEntries: 0 } }, /maxEntries/],
    ['bad typ', { ...base, typ: '' }, /typ/],
    ['bad requiredClaims', { ...base, requiredClaims: [''] }, /requiredClaims/],
    ['bad requiredClaims value', { ...base, requiredClaims: { tier: { a: 1 } } }, /requiredClaims.tier/],
    ['bad keySource', { issuer: ISSUER, audience: AUDIENCE, keySource: {} }, /keySource/],
    ['bad realm', { ...base, realm: 42 }, /realm/],
    ['bad now', { ...base, now: 5 }, /now/],
  ];
  it.each(cases)('throws ConfigurationError for %s', (_name, options, message) => {
    let thrown: unknown;
    try {
      createVerifier(options as VerifierOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as ConfigurationError).toBody()).toEqual({
      error: 'server_error',
      error_description: 'server misconfigured',
    });
  });

  it('accepts http on loopback and with allowInsecureHttp', () => {
    expect(() =>
      createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://127.0.0.1:9/jwks' }),
    ).not.toThrow();
    expect(() =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'http://auth.internal/jwks',
        allowInsecureHttp: true,
      }),
    ).not.toThrow();
  });

  it('accepts a Uint8Array secret and a custom realm', async () => {
    const verifier = createVerifier({
      issuer: [ISSUER, 'https://other.example.com/'],
      audience: [AUDIENCE],
      secret: new TextEncoder().encode(SECRET),
      realm: 'orders',
      now,
    });
    expect(verifier.realm).toBe('orders');
    expect((await verifier.verify(await sign('HS512'))).issuer).toBe(ISSUER);
  });
});
