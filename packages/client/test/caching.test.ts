import { createTokenClient } from '@scopegate/client';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClock, fastRetry, issueToken, startTokenServer, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeEach(async () => {
  await server?.close();
  server = await startTokenServer();
});
afterAll(() => server.close());

const base = () => ({ tokenUrl: server.tokenUrl, clientId: 'worker', clientSecret: 's3cret' });

describe('getToken caching', () => {
  it('50 concurrent getToken() calls share exactly one token request', async () => {
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 50 });
    const client = createTokenClient(base());
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(server.tokenRequests).toHaveLength(1);
  });

  it('reuses the cached token until expires_in minus the skew, then refreshes once in the background', async () => {
    const clock = fakeClock();
    const client = createTokenClient({ ...base(), now: clock.now, expirySkewSec: 60 });
    expect(await client.getToken()).toBe('token-1');
    clock.advance((3600 - 60) * 1000 - 1); // 1 ms before refresh time
    expect(await client.getToken()).toBe('token-1');
    expect(server.tokenRequests).toHaveLength(1);
    clock.advance(1); // exactly expiry minus skew: still valid, so served at once
    const again = await Promise.all([client.getToken(), client.getToken(), client.getToken()]);
    expect(again).toEqual(['token-1', 'token-1', 'token-1']);
    await vi.waitFor(async () => expect(await client.getToken()).toBe('token-2'));
    expect(server.tokenRequests).toHaveLength(2);
  });

  it('uses the default skew of 60 s', async () => {
    const clock = fakeClock();
    const client = createTokenClient({ ...base(), now: clock.now });
    const first = await client.getTokenResponse();
    expect(first.refreshAt).toBe(first.expiresAt - 60_000);
    clock.advance(3540 * 1000);
    expect(await client.getToken()).toBe('token-1');
    await vi.waitFor(async () => expect(await client.getToken()).toBe('token-2'));
  });

  it('caps the skew at half the lifetime of a short-lived token', async () => {
    server.handler = (_r, i) => ({ json: { access_token: `t${i}`, token_type: 'Bearer', expires_in: 30 } });
    const clock = fakeClock();
    const client = createTokenClient({ ...base(), now: clock.now, expirySkewSec: 60 });
    await client.getToken();
    clock.advance(14_999);
    await client.getToken();
    expect(server.tokenRequests).toHaveLength(1);
    clock.advance(1);
    await client.getToken();
    await vi.waitFor(() => expect(server.tokenRequests).toHaveLength(2));
  });

  it.each([
    ['missing', undefined],
    ['zero', 0],
    ['negative', -5],
    ['not a number', 'soon'],
    ['NaN-like string', '12abc'],
    ['null', null],
    ['an object', { s: 1 }],
  ])('uses defaultExpiresInSec when expires_in is %s', async (_name, expiresIn) => {
    server.handler = () => ({ json: { access_token: 'tok', token_type: 'Bearer', expires_in: expiresIn } });
    const clock = fakeClock();
    const client = createTokenClient({
      ...base(),
      now: clock.now,
      defaultExpiresInSec: 120,
      expirySkewSec: 10,
    });
    const token = await client.getTokenResponse();
    expect(token.expiresInSec).toBe(120);
    expect(token.expiresAt).toBe(clock.now() + 120_000);
    expect(token.refreshAt).toBe(clock.now() + 110_000);
  });

  it('defaults to 300 s when expires_in is missing', async () => {
    server.handler = () => ({ json: { access_token: 'tok', token_type: 'bearer' } });
    const client = createTokenClient(base());
    expect((await client.getTokenResponse()).expiresInSec).toBe(300);
  });

  it('accepts a numeric string expires_in', async () => {
    server.handler = () => ({ json: { access_token: 'tok', token_type: 'Bearer', expires_in: '900' } });
    const client = createTokenClient(base());
    expect((await client.getTokenResponse()).expiresInSec).toBe(900);
  });

  it.each([
    ['0.001', 0.001],
    ['"0.001"', '0.001'],
    ['1e-7', 1e-7],
    ['"1e-7"', '1e-7'],
    ['0.5', 0.5],
  ])('raises a positive expires_in under 1 s (%s) to 1 s', async (_name, expiresIn) => {
    server.handler = (_r, i) => ({
      json: { access_token: `t${i}`, token_type: 'Bearer', expires_in: expiresIn },
    });
    const clock = fakeClock();
    const client = createTokenClient({ ...base(), now: clock.now });
    const token = await client.getTokenResponse();
    expect(token.expiresInSec).toBe(1);
    expect(token.expiresAt).toBe(clock.now() + 1_000);
    expect(token.refreshAt).toBe(clock.now() + 500);
  });

  it('a sub-second expires_in does not turn every getToken() into a token request', async () => {
    server.handler = (_r, i) => ({
      json: { access_token: `t${i}`, token_type: 'Bearer', expires_in: 0.001 },
    });
    const clock = fakeClock();
    const client = createTokenClient({ ...base(), now: clock.now });
    for (let i = 0; i < 50; i++) {
      expect(await client.getToken()).toBe('t0');
      clock.advance(9); // 441 ms in all, under half the 1 s floor
    }
    expect(server.tokenRequests).toHaveLength(1);
  });

  it.each([
    ['60', 60, 60],
    ['60.5', 60.5, 60.5],
    ['0.001', 0.001, 1],
    ['0', 0, 120],
    ['-5', -5, 120],
    ['1e3', 1e3, 1000],
    ['1e+21', 1e21, 86_400],
  ])('treats expires_in "%s" and its number alike', async (text, number, expected) => {
    const clock = fakeClock();
    const lifetimes: number[] = [];
    for (const expiresIn of [text, ` ${text} `, number]) {
      server.handler = () => ({ json: { access_token: 'tok', token_type: 'Bearer', expires_in: expiresIn } });
      const client = createTokenClient({ ...base(), now: clock.now, defaultExpiresInSec: 120 });
      lifetimes.push((await client.getTokenResponse()).expiresInSec);
    }
    expect(lifetimes).toEqual([expected, expected, expected]);
  });

  it('clamps an absurdly long expires_in to maxExpiresInSec (default 86400)', async () => {
    server.handler = () => ({ json: { access_token: 'tok', token_type: 'Bearer', expires_in: 10 ** 12 } });
    const client = createTokenClient(base());
    expect((await client.getTokenResponse()).expiresInSec).toBe(86_400);
    const short = createTokenClient({ ...base(), maxExpiresInSec: 600 });
    expect((await short.getTokenResponse()).expiresInSec).toBe(600);
  });

  it('exposes expiry and scope through getTokenResponse()', async () => {
    server.handler = () => ({
      json: { access_token: 'abc', token_type: 'Bearer', expires_in: 100, scope: 'data:read' },
    });
    const clock = fakeClock(1_000_000);
    const client = createTokenClient({ ...base(), now: clock.now });
    const res = await client.getTokenResponse();
    expect(res).toMatchObject({
      accessToken: 'abc',
      tokenType: 'Bearer',
      obtainedAt: 1_000_000,
      expiresInSec: 100,
      expiresAt: 1_100_000,
      refreshAt: 1_050_000,
      scope: 'data:read',
    });
  });

  it('invalidate() forces a new request; invalidate(token) only drops that token', async () => {
    const client = createTokenClient(base());
    expect(await client.getToken()).toBe('token-1');
    client.invalidate('some-other-token');
    expect(await client.getToken()).toBe('token-1');
    client.invalidate('token-1');
    expect(await client.getToken()).toBe('token-2');
    client.invalidate();
    expect(await client.getToken()).toBe('token-3');
    expect(server.tokenRequests).toHaveLength(3);
  });

  it('invalidate() during a refresh: later callers do not reuse the request started before it', async () => {
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 30 });
    const client = createTokenClient(base());
    const early = client.getToken();
    client.invalidate();
    const late = client.getToken();
    expect(await early).toBe('token-1');
    expect(await late).toBe('token-2');
    // The invalidated request did not fill the cache.
    expect(await client.getToken()).toBe('token-2');
    expect(server.tokenRequests).toHaveLength(2);
  });

  it('a failed refresh rejects every waiter, and the next call tries again', async () => {
    server.handler = (req, i) =>
      i === 0 ? { status: 401, json: { error: 'invalid_client' }, delayMs: 20 } : issueToken(req, i);
    const client = createTokenClient(base());
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.getToken()));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(server.tokenRequests).toHaveLength(1);
    expect(await client.getToken()).toBe('token-2');
  });

  it('keeps serving the old token when a refresh inside the skew window fails', async () => {
    const clock = fakeClock();
    const client = createTokenClient({ ...base(), now: clock.now, retry: { attempts: 1 } });
    expect(await client.getToken()).toBe('token-1');
    server.handler = () => ({ status: 503, body: 'down' });
    clock.advance(3590 * 1000); // inside the 60 s skew window, not expired
    expect(await client.getToken()).toBe('token-1');
    clock.advance(10 * 1000); // now actually expired
    await expect(client.getToken()).rejects.toMatchObject({ name: 'TokenRequestError', status: 503 });
  });

  it('after a failed background refresh, serves the still-valid token and waits the cooldown (5 s) before the next attempt', async () => {
    const clock = fakeClock();
    const errors: unknown[] = [];
    const client = createTokenClient({
      ...base(),
      now: clock.now,
      retry: fastRetry,
      onRefreshError: (error) => errors.push(error),
    });
    expect(await client.getToken()).toBe('token-1');
    server.handler = () => ({ status: 503, body: 'down' });
    clock.advance(3550 * 1000); // inside the skew window, 50 s before expiry
    expect(await client.getToken()).toBe('token-1');
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ name: 'TokenRequestError', status: 503, attempts: 3 });
    expect(server.tokenRequests).toHaveLength(1 + 3); // one full retry cycle, in the background
    for (let i = 0; i < 5; i++) {
      expect(await client.getToken()).toBe('token-1');
      clock.advance(999);
    }
    expect(server.tokenRequests).toHaveLength(4); // none inside the cooldown
    clock.advance(5); // cooldown over: the next call starts one shared background refresh
    server.handler = issueToken;
    expect(await Promise.all([client.getToken(), client.getToken()])).toEqual(['token-1', 'token-1']);
    await vi.waitFor(async () => expect(await client.getToken()).toBe('token-5'));
    expect(server.tokenRequests).toHaveLength(5);
  });

  it('the failure cooldown never outlives the token and is configurable', async () => {
    const clock = fakeClock();
    const errors: unknown[] = [];
    const client = createTokenClient({
      ...base(),
      now: clock.now,
      retry: { attempts: 1 },
      refreshFailureCooldownMs: 20_000,
      onRefreshError: (error) => errors.push(error),
    });
    expect(await client.getToken()).toBe('token-1');
    server.handler = () => ({ status: 503, body: 'down' });
    clock.advance(3590 * 1000); // 10 s before expiry
    expect(await client.getToken()).toBe('token-1');
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    clock.advance(9_999);
    expect(await client.getToken()).toBe('token-1');
    expect(server.tokenRequests).toHaveLength(2);
    clock.advance(1); // expired, although 20 s of cooldown would remain
    await expect(client.getToken()).rejects.toMatchObject({ name: 'TokenRequestError', status: 503 });
    expect(server.tokenRequests).toHaveLength(3);
  });

  it('an aborted signal rejects that caller only; the shared request still serves others', async () => {
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 50 });
    const client = createTokenClient(base());
    const controller = new AbortController();
    const aborted = client.getToken({ signal: controller.signal });
    const other = client.getToken();
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    expect(await other).toBe('token-1');
    expect(server.tokenRequests).toHaveLength(1);
  });

  it('methods work detached from the client', async () => {
    const { getToken, invalidate } = createTokenClient(base());
    expect(await getToken()).toBe('token-1');
    invalidate();
    expect(await getToken()).toBe('token-2');
  });
});
