import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  createVerifier,
  InternalError,
  InvalidTokenError,
  type KeySource,
  RateLimitedError,
  TemporarilyUnavailableError,
  toErrorResponse,
  type VerifierOptions,
} from '../src/index.js';
import { AUDIENCE, baseClaims, ISSUER, jwksOf, NOW, NOW_MS, sign, testKey } from './support/tokens.js';

async function verifier(extra: Partial<VerifierOptions> = {}) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: await jwksOf(testKey('ES256')),
    now: () => NOW_MS,
    ...extra,
  });
}

describe('authorize', () => {
  it('ok with the verified token', async () => {
    const v = await verifier();
    const token = await sign('ES256');
    const decision = await v.authorize(`Bearer ${token}`, { scopes: ['data:read'] });
    expect(decision.ok).toBe(true);
    if (decision.ok) expect(decision.auth.token).toBe(token);
    expect(Object.isFrozen(decision)).toBe(true);
    expect((await v.authorize(`bearer ${token}`)).ok).toBe(true);
    expect((await v.authorize([`Bearer ${token}`])).ok).toBe(true);
  });

  it('401 without error for a missing token', async () => {
    const decision = await (await verifier()).authorize(undefined, { scopes: ['data:read'] });
    expect(decision).toMatchObject({
      ok: false,
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="api"' },
      body: { error: 'unauthorized', error_description: 'a bearer token is required' },
    });
  });

  it('400 for a malformed header', async () => {
    const decision = await (await verifier()).authorize('Bearer a b');
    expect(decision).toMatchObject({ ok: false, status: 400, body: { error: 'invalid_request' } });
  });

  it('401 invalid_token with the failed check, realm configurable', async () => {
    const v = await verifier({ realm: 'orders' });
    const token = await sign('ES256', baseClaims({ exp: NOW - 100 }));
    const decision = await v.authorize(`Bearer ${token}`);
    expect(decision).toEqual({
      ok: false,
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="orders", error="invalid_token", error_description="the token has expired (exp)"',
      },
      body: { error: 'invalid_token', error_description: 'the token has expired (exp)' },
      error: expect.any(InvalidTokenError),
    });
  });

  it('403 insufficient_scope naming the required scopes', async () => {
    const decision = await (await verifier()).authorize(`Bearer ${await sign('ES256')}`, {
      scopes: ['data:read', 'admin'],
    });
    expect(decision).toMatchObject({
      ok: false,
      status: 403,
      headers: {
        'www-authenticate': 'Bearer realm="api", error="insufficient_scope", scope="data:read admin"',
      },
      body: {
        error: 'insufficient_scope',
        error_description: 'the token lacks a required scope (requires all of: data:read admin)',
      },
    });
  });

  it('403 for the wrong subject type', async () => {
    const token = await sign('ES256', baseClaims({ sub: 'alice', client_id: 'web' }));
    const decision = await (await verifier()).authorize(`Bearer ${token}`, { subjectType: 'client' });
    expect(decision).toMatchObject({
      ok: false,
      status: 403,
      body: { error: 'insufficient_scope', error_description: 'this resource is only for client subjects' },
    });
  });

  it('uses the verifier scopeMatch for plain lists', async () => {
    const token = await sign('ES256', baseClaims({ scope: 'data:*' }));
    const wildcard = await verifier({ scopeMatch: 'wildcard' });
    expect((await wildcard.authorize(`Bearer ${token}`, { scopes: ['data:read'] })).ok).toBe(true);
    const exact = await verifier();
    expect((await exact.authorize(`Bearer ${token}`, { scopes: ['data:read'] })).ok).toBe(false);
  });

  it('503 with Retry-After when keys cannot be had', async () => {
    const keySource: KeySource = {
      getKey: () => Promise.reject(new TemporarilyUnavailableError(undefined, { retryAfter: 7 })),
      warmup: async () => {},
    };
    const v = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource, now: () => NOW_MS });
    const decision = await v.authorize(`Bearer ${await sign('ES256')}`);
    expect(decision).toMatchObject({
      ok: false,
      status: 503,
      headers: { 'retry-after': '7' },
      body: { error: 'temporarily_unavailable' },
    });
    expect(decision.ok === false && decision.headers['www-authenticate']).toBe(undefined);
  });

  it('never throws: garbage input and invalid requirements become decisions', async () => {
    const v = await verifier();
    for (const header of [42, {}, 'Bearer ###', 'Bearer x.y.z', `Bearer ${'a'.repeat(9000)}`]) {
      const decision = await v.authorize(header as never);
      expect(decision.ok).toBe(false);
    }
    const bad = await v.authorize(`Bearer ${await sign('ES256')}`, { subjectType: 'robot' as never });
    expect(bad).toMatchObject({
      ok: false,
      status: 500,
      headers: {},
      body: { error: 'server_error', error_description: 'server misconfigured' },
    });
    expect(bad.ok === false && bad.error).toBeInstanceOf(ConfigurationError);
  });
});

describe('toErrorResponse', () => {
  it('maps ScopegateErrors with their status, headers and body', () => {
    expect(toErrorResponse(new RateLimitedError(3))).toEqual({
      status: 429,
      headers: { 'retry-after': '3' },
      body: { error: 'rate_limited', error_description: 'rate limit exceeded for this client' },
    });
    expect(toErrorResponse(new InvalidTokenError('x', 'bad'), 'r').headers).toEqual({
      'www-authenticate': 'Bearer realm="r", error="invalid_token", error_description="bad"',
    });
  });

  it('maps anything else to a 500 without details', () => {
    for (const error of [new Error('db password is hunter2'), 'string', undefined, { status: 'x' }]) {
      expect(toErrorResponse(error)).toEqual({
        status: 500,
        headers: {},
        body: { error: 'server_error', error_description: 'internal error' },
      });
    }
  });

  it('InternalError keeps the cause out of the response', () => {
    const error = new InternalError({ cause: new Error('secret detail') });
    expect(toErrorResponse(error)).toEqual({
      status: 500,
      headers: {},
      body: { error: 'server_error', error_description: 'internal error' },
    });
    expect(JSON.stringify(error)).not.toContain('secret');
  });
});
