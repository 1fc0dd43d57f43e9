/**
 * Inside the refresh window (the last expirySkewSec of a token's life) the
 * cached token is still valid: callers get it at once and the refresh runs
 * in the background. Only a caller without a valid token waits.
 */
import { createTokenClient, type TokenClientError, TokenTimeoutError } from '@scopegate/client';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClock, fastRetry, issueToken, startTokenServer, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeEach(async () => {
  await server?.close();
  server = await startTokenServer();
});
afterAll(() => server.close());

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

const base = () => ({ tokenUrl: server.tokenUrl, clientId: 'worker', clientSecret: 's3cret' });
/** Resolves with `value`, or with 'waited' when that takes longer than `ms`. */
const within = <T>(value: Promise<T>, ms: number) =>
  Promise.race([value, new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), ms))]);
/** Lets pending I/O callbacks and promise reactions run (an unhandled rejection would surface). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A client holding token-1 whose clock is inside token-1's refresh window (30 s before expiry). */
async function inRefreshWindow(extra: Record<string, unknown> = {}) {
  const clock = fakeClock();
  const client = createTokenClient({ ...base(), now: clock.now, ...extra });
  expect(await client.getToken()).toBe('token-1');
  clock.advance((3600 - 30) * 1000);
  return { client, clock };
}

describe('background refresh', () => {
  it('a slow issuer does not hold up callers, nor time them out, while the token is valid', async () => {
    const errors: TokenClientError[] = [];
    const { client } = await inRefreshWindow({
      timeoutMs: 100,
      retry: { ...fastRetry, attempts: 1 },
      onRefreshError: (error: TokenClientError) => errors.push(error),
    });
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 1_000 });
    const calls = Array.from({ length: 20 }, () => within(client.getToken(), 50));
    expect(await Promise.all(calls)).toEqual(Array(20).fill('token-1'));
    // The refresh timed out in the background; callers never saw it.
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toBeInstanceOf(TokenTimeoutError);
    expect(errors[0]).toMatchObject({ code: 'token_request_timeout', timeoutMs: 100 });
    expect(server.tokenRequests).toHaveLength(2); // one shared background request
    expect(await within(client.getToken(), 50)).toBe('token-1');
  });

  it('getTokenResponse and client.fetch also get the valid token at once', async () => {
    const seen: Array<string | null> = [];
    // Token requests go to the test server; anything else is the API.
    const routing = (input: string | URL | Request, init?: RequestInit) => {
      if (String(input) === server.tokenUrl) return fetch(input, init);
      seen.push(new Headers(init?.headers).get('authorization'));
      return Promise.resolve(new Response('ok'));
    };
    const { client } = await inRefreshWindow({ fetch: routing });
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 500 });
    expect(await within(client.getTokenResponse(), 50)).toMatchObject({ accessToken: 'token-1' });
    const res = await within(client.fetch('https://api.example.com/data'), 50);
    expect(res).toBeInstanceOf(Response);
    expect(seen).toEqual(['Bearer token-1']);
    await vi.waitFor(() => expect(server.tokenRequests).toHaveLength(2)); // one shared background request
  });

  it('a failed background refresh is not an unhandled rejection without onRefreshError', async () => {
    const { client } = await inRefreshWindow({ retry: { ...fastRetry, attempts: 1 } });
    server.handler = () => ({ status: 503, body: 'down' });
    expect(await client.getToken()).toBe('token-1');
    await vi.waitFor(() => expect(server.tokenRequests).toHaveLength(2));
    await settle();
    expect(unhandled).toEqual([]);
    expect(await client.getToken()).toBe('token-1');
  });

  it('an onRefreshError that throws is ignored (no unhandled rejection)', async () => {
    let calls = 0;
    const { client } = await inRefreshWindow({
      retry: { ...fastRetry, attempts: 1 },
      onRefreshError: () => {
        calls++;
        throw new Error('logger broke');
      },
    });
    server.handler = () => ({ status: 401, json: { error: 'invalid_client' } });
    expect(await client.getToken()).toBe('token-1');
    await vi.waitFor(() => expect(calls).toBe(1));
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('onRefreshError gets the typed error, and is not called for a refresh a caller waits for', async () => {
    const errors: TokenClientError[] = [];
    const { client, clock } = await inRefreshWindow({
      retry: { ...fastRetry, attempts: 1 },
      onRefreshError: (error: TokenClientError) => errors.push(error),
    });
    server.handler = () => ({ status: 401, json: { error: 'invalid_client' } });
    expect(await client.getToken()).toBe('token-1');
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ name: 'InvalidClientError', code: 'token_endpoint_error' });
    clock.advance(30_000); // expired: this caller waits, and gets the error itself
    await expect(client.getToken()).rejects.toMatchObject({ name: 'InvalidClientError' });
    expect(errors).toHaveLength(1);
  });

  it('a caller arriving after expiry waits for the background request already under way', async () => {
    const { client, clock } = await inRefreshWindow();
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 200 });
    expect(await client.getToken()).toBe('token-1'); // starts the background refresh
    clock.advance(30_000); // token-1 has expired now
    expect(await client.getToken()).toBe('token-2');
    expect(server.tokenRequests).toHaveLength(2);
  });

  it('after expiry a caller waits for a fresh token even inside the failure cooldown', async () => {
    const errors: TokenClientError[] = [];
    const { client, clock } = await inRefreshWindow({
      retry: { ...fastRetry, attempts: 1 },
      refreshFailureCooldownMs: 60_000,
      onRefreshError: (error: TokenClientError) => errors.push(error),
    });
    server.handler = () => ({ status: 503, body: 'down' });
    expect(await client.getToken()).toBe('token-1');
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    server.handler = issueToken;
    clock.advance(30_000); // expired, with 30 s of cooldown left
    expect(await client.getToken()).toBe('token-3');
  });

  it('invalidate() during a background refresh: its answer does not fill the cache', async () => {
    const { client } = await inRefreshWindow();
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 100 });
    expect(await client.getToken()).toBe('token-1'); // background request for token-2
    client.invalidate();
    expect(await client.getToken()).toBe('token-3');
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await client.getToken()).toBe('token-3');
  });
});
