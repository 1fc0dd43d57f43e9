import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  InvalidTokenError,
  RateLimitedError,
  ScopegateError,
  TemporarilyUnavailableError,
  TokenExpiredError,
} from '../src/errors.js';
import { createGuard } from '../src/guard.js';
import { createMemoryStore } from '../src/rate-limit/memory-store.js';
import { createRateLimiter } from '../src/rate-limit/rate-limiter.js';
import type { RateLimitStore, ScopegateEvent, VerifiedToken, Verifier } from '../src/types.js';

const tokens: Record<string, Omit<VerifiedToken, 'token'>> = {
  'client-a': identity('a', 'client', ['data:read']),
  'client-b': identity('b', 'client', ['data:read', 'data:write']),
  'client-wild': identity('w', 'client', ['data:*']),
  'user-alice': identity('web', 'user', ['data:read'], 'alice'),
};

function identity(
  clientId: string,
  subjectType: 'client' | 'user',
  scopes: string[],
  subject = clientId,
): Omit<VerifiedToken, 'token'> {
  return {
    header: { alg: 'RS256' },
    claims: { sub: subject, client_id: clientId },
    issuer: 'https://issuer.test/',
    subject,
    subjectType,
    clientId,
    scopes: new Set(scopes),
    expiresAt: 2_000_000_000,
  };
}

/** A verifier knowing a few opaque test tokens; counts calls. */
function fakeVerifier(options: { realm?: string; scopeMatch?: 'exact' | 'wildcard' } = {}) {
  const calls: string[] = [];
  const verifier: Verifier = {
    realm: options.realm ?? 'api',
    ...(options.scopeMatch ? { scopeMatch: options.scopeMatch } : {}),
    async verify(token) {
      calls.push(token);
      if (token === 'expired') throw new TokenExpiredError();
      if (token === 'boom') throw new Error('secret internal detail');
      const found = tokens[token];
      if (!found) throw new InvalidTokenError('signature', 'the token signature is invalid');
      return { token, ...found };
    },
    authorize: () => Promise.reject(new Error('not used')),
    warmup: () => Promise.resolve(),
  };
  return { verifier, calls };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const frozen = () => createMemoryStore({ now: () => 0 });

describe('createGuard().authenticate', () => {
  it('answers 401 without an error attribute when there is no token', async () => {
    const { verifier, calls } = fakeVerifier();
    const guard = createGuard({ verifier });
    const result = await guard.authenticate({ authorization: undefined });
    expect(result).toMatchObject({
      ok: false,
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="api"' },
      body: { error: 'unauthorized', error_description: 'a bearer token is required' },
    });
    expect(result.ok === false && result.error.code).toBe('unauthorized');
    expect(calls).toEqual([]);
  });

  it('answers 400 for a malformed header and for a token in two places', async () => {
    const guard = createGuard({ verifier: fakeVerifier().verifier });
    const malformed = await guard.authenticate({ authorization: 'Bearer a b' });
    expect(malformed).toMatchObject({ ok: false, status: 400, body: { error: 'invalid_request' } });
    const twice = await guard.authenticate({ ...bearer('client-a'), query: { access_token: 'client-a' } });
    expect(twice).toMatchObject({ ok: false, status: 400, body: { error: 'invalid_request' } });
    expect(twice.ok === false && twice.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", error="invalid_request"/,
    );
    const inBody = await guard.authenticate({ authorization: undefined, body: { access_token: 'client-a' } });
    expect(inBody).toMatchObject({ ok: false, status: 400 });
  });

  it('answers 401 invalid_token for a bad token, using the verifier realm', async () => {
    const guard = createGuard({ verifier: fakeVerifier({ realm: 'data-api' }).verifier });
    expect(guard.realm).toBe('data-api');
    const result = await guard.authenticate(bearer('expired'));
    expect(result).toEqual({
      ok: false,
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="data-api", error="invalid_token", error_description="the token has expired (exp)"',
      },
      body: { error: 'invalid_token', error_description: 'the token has expired (exp)' },
      error: expect.any(TokenExpiredError),
    });
  });

  it('passes a valid token, with no headers when no rate limit is configured', async () => {
    const guard = createGuard({ verifier: fakeVerifier().verifier });
    const result = await guard.authenticate(bearer('client-a'));
    expect(result.ok).toBe(true);
    expect(result.ok && result.auth.clientId).toBe('a');
    expect(result.headers).toEqual({});
  });

  it('rate limits after verification, returning headers on success and 429 with Retry-After', async () => {
    const guard = createGuard({
      verifier: fakeVerifier().verifier,
      rateLimit: { clientMetadata: { a: { rate_limit_per_minute: 2 } }, store: frozen() },
    });
    const first = await guard.authenticate(bearer('client-a'));
    expect(first).toMatchObject({
      ok: true,
      headers: { 'ratelimit-policy': '"client";q=2;w=60', ratelimit: '"client";r=1;t=65' },
    });
    await guard.authenticate(bearer('client-a'));
    const third = await guard.authenticate(bearer('client-a'));
    expect(third).toEqual({
      ok: false,
      status: 429,
      headers: {
        'ratelimit-policy': '"client";q=2;w=60',
        ratelimit: '"client";r=0;t=65',
        'retry-after': '65',
      },
      body: { error: 'rate_limited', error_description: 'rate limit exceeded for this client' },
      error: expect.any(RateLimitedError),
    });
    // Another client is independent.
    expect((await guard.authenticate(bearer('client-b'))).ok).toBe(true);
  });

  it('never counts a request rejected for its token', async () => {
    const guard = createGuard({
      verifier: fakeVerifier().verifier,
      rateLimit: { defaultPerMinute: 1, store: frozen() },
    });
    for (let i = 0; i < 5; i++) {
      expect((await guard.authenticate(bearer('forged'))).ok).toBe(false);
      expect((await guard.authenticate({ authorization: 'Bearer' })).ok).toBe(false);
      expect((await guard.authenticate({ authorization: undefined })).ok).toBe(false);
    }
    expect((await guard.authenticate(bearer('client-a'))).ok).toBe(true);
    expect((await guard.authenticate(bearer('client-a'))).ok).toBe(false);
  });

  it('checks the requirement after the rate limit: 403 carries the rate-limit headers', async () => {
    const guard = createGuard({
      verifier: fakeVerifier().verifier,
      rateLimit: { defaultPerMinute: 2, store: frozen() },
    });
    const forbidden = await guard.authenticate(bearer('client-a'), { scopes: ['data:read', 'data:write'] });
    expect(forbidden).toMatchObject({
      ok: false,
      status: 403,
      headers: {
        'www-authenticate': 'Bearer realm="api", error="insufficient_scope", scope="data:read data:write"',
        'ratelimit-policy': '"client";q=2;w=60',
        ratelimit: '"client";r=1;t=65',
      },
      body: { error: 'insufficient_scope' },
    });
    expect((await guard.authenticate(bearer('client-a'), { scopes: ['data:read'] })).ok).toBe(true);
    // Over the limit: 429 wins over the scope check, which is not reached.
    const limited = await guard.authenticate(bearer('client-a'), { scopes: ['admin'] });
    expect(limited).toMatchObject({ ok: false, status: 429 });
  });

  it('applies anyScope and subjectType requirements', async () => {
    const guard = createGuard({ verifier: fakeVerifier().verifier });
    expect((await guard.authenticate(bearer('client-a'), { anyScope: ['admin', 'data:read'] })).ok).toBe(
      true,
    );
    const user = await guard.authenticate(bearer('user-alice'), { subjectType: 'client' });
    expect(user).toMatchObject({ ok: false, status: 403, body: { error: 'insufficient_scope' } });
  });

  it("honours the verifier's scopeMatch, and an explicit option over it", async () => {
    const wildcard = createGuard({ verifier: fakeVerifier({ scopeMatch: 'wildcard' }).verifier });
    expect((await wildcard.authenticate(bearer('client-wild'), { scopes: ['data:read'] })).ok).toBe(true);
    const exact = createGuard({
      verifier: fakeVerifier({ scopeMatch: 'wildcard' }).verifier,
      scopeMatch: 'exact',
    });
    expect((await exact.authenticate(bearer('client-wild'), { scopes: ['data:read'] })).ok).toBe(false);
  });

  it('turns an unexpected error into 500 server_error without details or challenge', async () => {
    const guard = createGuard({ verifier: fakeVerifier().verifier });
    const result = await guard.authenticate(bearer('boom'));
    expect(result).toMatchObject({
      ok: false,
      status: 500,
      headers: {},
      body: { error: 'server_error', error_description: 'internal error' },
    });
    if (result.ok) throw new Error('expected a failure');
    expect(result.error).toBeInstanceOf(ScopegateError);
    expect(result.error.status).toBe(500);
    expect(result.error.headers()).toEqual({});
    expect(JSON.stringify(result.body)).not.toContain('secret');
  });

  it('answers 500 "server misconfigured" for an invalid requirement', async () => {
    const guard = createGuard({ verifier: fakeVerifier().verifier });
    const result = await guard.authenticate(bearer('client-a'), { scopes: ['has space'] });
    expect(result).toMatchObject({
      ok: false,
      status: 500,
      body: { error: 'server_error', error_description: 'server misconfigured' },
    });
    expect(result.ok === false && result.error).toBeInstanceOf(ConfigurationError);
  });

  it('answers 503 with Retry-After when the store fails closed', async () => {
    const store: RateLimitStore = {
      consume: () =>
        Promise.reject(new TemporarilyUnavailableError('rate limit store unavailable', { retryAfter: 2 })),
    };
    const guard = createGuard({
      verifier: fakeVerifier().verifier,
      rateLimit: { defaultPerMinute: 5, store },
    });
    expect(await guard.authenticate(bearer('client-a'))).toMatchObject({
      ok: false,
      status: 503,
      headers: { 'retry-after': '2' },
      body: { error: 'temporarily_unavailable', error_description: 'rate limit store unavailable' },
    });
  });

  it("reports store failures to the guard's onEvent when rateLimit has none", async () => {
    const events: ScopegateEvent[] = [];
    const store: RateLimitStore = { consume: () => Promise.reject(new Error('down')) };
    const guard = createGuard({
      verifier: fakeVerifier().verifier,
      rateLimit: { defaultPerMinute: 5, store },
      onEvent: (e) => events.push(e),
    });
    expect(await guard.authenticate(bearer('client-a'))).toMatchObject({ ok: true, headers: {} });
    expect(events).toEqual([{ type: 'rate_limit_store_failed', error: 'down' }]);
  });

  it('shares a RateLimiter passed in and leaves it open on close', async () => {
    let closed = 0;
    const inner = frozen();
    const limiter = createRateLimiter({
      defaultPerMinute: 1,
      store: { consume: inner.consume, close: () => void closed++ },
    });
    const one = createGuard({ verifier: fakeVerifier().verifier, rateLimit: limiter });
    const two = createGuard({ verifier: fakeVerifier().verifier, rateLimit: limiter });
    expect((await one.authenticate(bearer('client-a'))).ok).toBe(true);
    expect(await two.authenticate(bearer('client-a'))).toMatchObject({ ok: false, status: 429 });
    await one.close();
    await two.close();
    expect(closed).toBe(0);
  });

  it('rejects invalid rate-limit options at creation', () => {
    expect(() =>
      createGuard({ verifier: fakeVerifier().verifier, rateLimit: { defaultPerMinute: -5 } }),
    ).toThrow(ConfigurationError);
  });
});

describe('createGuard().check', () => {
  it('checks a verified token synchronously', async () => {
    const guard = createGuard({ verifier: fakeVerifier().verifier });
    const auth = { token: 'client-a', ...tokens['client-a']! };
    expect(guard.check(auth, { scopes: ['data:read'] })).toEqual({ ok: true, auth, headers: {} });
    expect(guard.check(auth, { anyScope: ['admin', 'root'] })).toMatchObject({
      ok: false,
      status: 403,
      headers: { 'www-authenticate': 'Bearer realm="api", error="insufficient_scope", scope="admin root"' },
      body: { error: 'insufficient_scope' },
    });
  });
});
