/**
 * Unknown option names are refused at setup with a ConfigurationError that
 * names them (never their values) and the name likely meant. A misspelt
 * option would otherwise be dropped and its default applied, e.g. a
 * requirement `{ scope: [...] }` would let every valid token through.
 */
import { describe, expect, it } from 'vitest';
import {
  type AuthorizeRequirement,
  allOf,
  anyOf,
  CLAIM_METADATA_OPTION_NAMES,
  ConfigurationError,
  checkOptionNames,
  checkRequirement,
  claimMetadata,
  createGuard,
  createMemoryStore,
  createRateLimiter,
  createRemoteKeySource,
  createVerifier,
  createVerifierFromEnv,
  HYDRA_ADMIN_OPTION_NAMES,
  hydraAdminMetadata,
  JWKS_CACHE_OPTION_NAMES,
  JwksCache,
  MEMORY_STORE_OPTION_NAMES,
  RATE_LIMIT_OPTION_NAMES,
  REMOTE_KEY_SOURCE_OPTION_NAMES,
  suggestOptionName,
  VERIFIER_OPTION_NAMES,
  type VerifierOptions,
} from '../src/index.js';
import { AUDIENCE, baseClaims, ISSUER, jwksOf, NOW_MS, sign, testKey } from './support/tokens.js';

async function options(extra: object = {}): Promise<VerifierOptions> {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: await jwksOf(testKey('ES256')),
    now: () => NOW_MS,
    ...extra,
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('checkOptionNames', () => {
  it('accepts known names, including ones set to undefined', () => {
    expect(() => checkOptionNames({ a: 1, b: undefined }, ['a', 'b', 'c'], 'x()')).not.toThrow();
    expect(() => checkOptionNames({}, [], 'x()')).not.toThrow();
  });

  it('refuses an unknown name even when its value is undefined (a typo is a typo)', () => {
    expect(refusal(() => checkOptionNames({ d: undefined }, ['a'], 'x()'))).toContain(
      'x(): unknown option `d`',
    );
  });

  it('names every unknown key, the accepted names, and never a value', () => {
    const message = refusal(() =>
      checkOptionNames({ a: 1, secrt: 'hunter2-value', other: 'hunter3-value' }, ['a', 'secret'], 'x()'),
    );
    expect(message).toBe(
      'scopegate: x(): unknown options `secrt` (did you mean `secret`?), `other`; accepted: a, secret',
    );
    expect(message).not.toContain('hunter');
  });

  it('shows a key escaped and cut (a message is often logged), and lists at most five', () => {
    expect(refusal(() => checkOptionNames({ 'evil\nkey': 1 }, ['a'], 'x()'))).toContain('`evil\\nkey`');
    expect(refusal(() => checkOptionNames({ 'a\u2028b\u202ec': 1 }, ['z'], 'x()'))).toContain(
      '`a\\u2028b\\u202ec`',
    );
    // Cut before escaping, so an escape sequence is never split.
    const cutAt = `${'k'.repeat(63)}\u001bxyz`;
    expect(refusal(() => checkOptionNames({ [cutAt]: 1 }, ['z'], 'x()'))).toContain(
      `${'k'.repeat(63)}\\u001b…`,
    );
    const long = 'k'.repeat(500);
    const message = refusal(() => checkOptionNames({ [long]: 1 }, ['a'], 'x()'));
    expect(message).toContain(`\`${'k'.repeat(64)}…\``);
    expect(message).not.toContain('k'.repeat(65));
    const many = Object.fromEntries(['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'].map((k) => [k, 1]));
    expect(refusal(() => checkOptionNames(many, ['a'], 'x()'))).toContain('`u5` and 2 more; accepted: a');
  });

  it('suggests nothing for a short name two edits from a known one', () => {
    expect(suggestOptionName('foo', ['now'])).toBeUndefined();
    expect(suggestOptionName('ttl', ['ttlMs'])).toBe('ttlMs');
  });

  it('inherited and symbol keys are not options', () => {
    const proto = { inherited: 1 };
    const given = Object.assign(Object.create(proto), { a: 1, [Symbol('s')]: 2 });
    expect(() => checkOptionNames(given, ['a'], 'x()')).not.toThrow();
  });

  it.each([
    ['audiance', 'audience'],
    ['Issuer', 'issuer'],
    ['jwksURI', 'jwksUri'],
    ['jwks_uri', 'jwksUri'],
    ['clockTolerance', 'clockToleranceSec'],
    ['algorithm', 'algorithms'],
    ['requiredClaim', 'requiredClaims'],
    ['scopeMacth', 'scopeMatch'],
  ])('suggests %s -> %s', (given, meant) => {
    expect(suggestOptionName(given, VERIFIER_OPTION_NAMES)).toBe(meant);
  });

  it('suggests nothing for a name far from every option', () => {
    expect(suggestOptionName('colour', VERIFIER_OPTION_NAMES)).toBeUndefined();
    expect(suggestOptionName('x', VERIFIER_OPTION_NAMES)).toBeUndefined();
  });
});

describe('each factory refuses unknown names', () => {
  it('createVerifier, and its jwksCache and tokenCache objects', async () => {
    const base = await options();
    expect(refusal(() => createVerifier({ ...base, audiance: AUDIENCE } as never))).toContain(
      'createVerifier(): unknown option `audiance` (did you mean `audience`?)',
    );
    expect(refusal(() => createVerifier({ ...base, jwksCache: { cooldown: 1 } } as never))).toContain(
      'createVerifier() jwksCache: unknown option `cooldown` (did you mean `cooldownMs`?)',
    );
    expect(refusal(() => createVerifier({ ...base, tokenCache: { max: 10 } } as never))).toContain(
      'tokenCache: unknown option `max`',
    );
  });

  it('every documented verifier option is accepted', async () => {
    const all: Record<keyof VerifierOptions, unknown> = {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: await jwksOf(testKey('ES256')),
      jwksUri: undefined,
      secret: undefined,
      keySource: undefined,
      algorithms: ['ES256'],
      clockToleranceSec: 5,
      typ: 'at+jwt',
      maxTokenAgeSec: 3600,
      requiredClaims: ['sub'],
      maxTokenLength: 8192,
      profile: 'generic',
      scopeMatch: 'exact',
      realm: 'api',
      allowInsecureHttp: false,
      jwksCache: Object.fromEntries(JWKS_CACHE_OPTION_NAMES.map((name) => [name, undefined])),
      tokenCache: { maxEntries: 10 },
      onEvent: () => undefined,
      fetch: globalThis.fetch,
      now: () => NOW_MS,
    };
    expect(Object.keys(all).sort()).toEqual([...VERIFIER_OPTION_NAMES].sort());
    expect(() => createVerifier(all as unknown as VerifierOptions)).not.toThrow();
  });

  it('createVerifierFromEnv overrides', () => {
    const env = {
      SCOPEGATE_ISSUER: ISSUER,
      SCOPEGATE_AUDIENCE: AUDIENCE,
      SCOPEGATE_JWKS_URI: 'https://a.test/jwks',
    };
    expect(refusal(() => createVerifierFromEnv(env, { profil: 'auth0' } as never))).toContain(
      '`profil` (did you mean `profile`?)',
    );
  });

  it('createRateLimiter (the adapters rateLimit option)', () => {
    expect(refusal(() => createRateLimiter({ defaultLimit: 5 } as never))).toContain(
      'rateLimit: unknown option',
    );
    expect(refusal(() => createRateLimiter({ metadataTimeout: 5 } as never))).toContain(
      '(did you mean `metadataTimeoutMs`?)',
    );
    const all = Object.fromEntries(RATE_LIMIT_OPTION_NAMES.map((name) => [name, undefined]));
    expect(() => createRateLimiter(all).close()).not.toThrow();
    expect(refusal(() => createRateLimiter(null as never))).toContain('options object');
  });

  it('hydraAdminMetadata, claimMetadata, createMemoryStore', () => {
    expect(
      refusal(() => hydraAdminMetadata({ adminUrl: 'http://127.0.0.1:4445', ttl: 1 } as never)),
    ).toContain('hydraAdminMetadata(): unknown option `ttl` (did you mean `ttlMs`?)');
    expect(refusal(() => hydraAdminMetadata(undefined as never))).toContain('options object');
    expect(() =>
      hydraAdminMetadata({
        ...Object.fromEntries(HYDRA_ADMIN_OPTION_NAMES.map((name) => [name, undefined])),
        adminUrl: 'http://127.0.0.1:4445',
      }),
    ).not.toThrow();
    expect(refusal(() => claimMetadata({ claims: 'ext' } as never))).toContain('(did you mean `claim`?)');
    expect(() =>
      claimMetadata(Object.fromEntries(CLAIM_METADATA_OPTION_NAMES.map((n) => [n, undefined]))),
    ).not.toThrow();
    expect(refusal(() => createMemoryStore({ maxClient: 5 } as never))).toContain(
      '(did you mean `maxClients`?)',
    );
    expect(() =>
      createMemoryStore(Object.fromEntries(MEMORY_STORE_OPTION_NAMES.map((n) => [n, undefined]))).close?.(),
    ).not.toThrow();
  });

  it('createRemoteKeySource and its cache; JwksCache', () => {
    const remote = { issuer: ISSUER, jwksUri: 'https://a.test/jwks' };
    expect(refusal(() => createRemoteKeySource({ ...remote, jwksCache: {} } as never))).toContain(
      'createRemoteKeySource(): unknown option `jwksCache`',
    );
    expect(refusal(() => createRemoteKeySource({ ...remote, cache: { maxKey: 3 } } as never))).toContain(
      'createRemoteKeySource() cache: unknown option `maxKey` (did you mean `maxKeys`?)',
    );
    expect(() =>
      createRemoteKeySource({
        ...Object.fromEntries(REMOTE_KEY_SOURCE_OPTION_NAMES.map((n) => [n, undefined])),
        ...remote,
      }),
    ).not.toThrow();
    expect(refusal(() => new JwksCache({ jwksUri: 'https://a.test/jwks', uri: 'x' } as never))).toContain(
      'JwksCache: unknown option `uri`',
    );
  });

  it('createGuard', async () => {
    const verifier = createVerifier(await options());
    expect(refusal(() => createGuard({ verifier, ratelimit: {} } as never))).toContain(
      '(did you mean `rateLimit`?)',
    );
  });
});

describe('a misspelt requirement fails closed', () => {
  it('authorize answers 500 server_error (never ok) for `{ scope: [...] }`', async () => {
    const verifier = createVerifier(await options());
    const token = await sign('ES256', baseClaims({ scope: 'data:read' }));
    const typo = { scope: ['admin'] } as unknown as AuthorizeRequirement;
    const decision = await verifier.authorize(`Bearer ${token}`, typo);
    expect(decision.ok).toBe(false);
    if (!decision.ok) {
      expect(decision.status).toBe(500);
      expect(decision.body).toEqual({ error: 'server_error', error_description: 'server misconfigured' });
      expect(decision.error.message).toContain(
        'requirement: unknown option `scope` (did you mean `scopes`?)',
      );
    }
    // The same requirement spelt right is checked as usual.
    expect(await verifier.authorize(`Bearer ${token}`, { scopes: ['admin'] })).toMatchObject({ status: 403 });
  });

  it('an allOf()/anyOf() passed as the whole requirement means what it says', async () => {
    const verifier = createVerifier(await options());
    const token = await sign('ES256', baseClaims({ scope: 'b' }));
    const header = `Bearer ${token}`;
    expect((await verifier.authorize(header, anyOf('a', 'b'))).ok).toBe(true);
    expect(await verifier.authorize(header, anyOf('a', 'c'))).toMatchObject({ ok: false, status: 403 });
    expect(await verifier.authorize(header, allOf('a', 'b'))).toMatchObject({ ok: false, status: 403 });
    expect((await verifier.authorize(header, allOf('b'))).ok).toBe(true);
    // With anything else beside it, it is not one: `mode` is then an unknown key.
    const mixed = { ...anyOf('b'), subjectType: 'client' } as unknown as AuthorizeRequirement;
    const refused = await verifier.authorize(header, mixed);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toContain('unknown options `mode`');
  });

  it('checkRequirement throws for it, every time (a refused requirement is not cached)', async () => {
    const verifier = createVerifier(await options());
    const auth = await verifier.verify(await sign('ES256'));
    const typo = { anyscope: ['x'] } as unknown as AuthorizeRequirement;
    for (let i = 0; i < 2; i++)
      expect(refusal(() => checkRequirement(auth, typo))).toContain('(did you mean `anyScope`?)');
  });
});
