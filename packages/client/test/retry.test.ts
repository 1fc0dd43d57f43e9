import {
  createTokenClient,
  InvalidClientError,
  InvalidGrantError,
  InvalidScopeError,
  InvalidTokenRequestError,
  TokenEndpointError,
  TokenRequestError,
  TokenResponseError,
  TokenTimeoutError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '@scopegate/client';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRetryAfter } from '../src/http.js';
import { backoffDelay } from '../src/retry.js';
import { fastRetry, issueToken, startTokenServer, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeEach(async () => {
  await server?.close();
  server = await startTokenServer();
});
afterAll(() => server.close());

const base = () => ({
  tokenUrl: server.tokenUrl,
  clientId: 'worker',
  clientSecret: 's3cret',
  retry: fastRetry,
});

describe('transient failures are retried', () => {
  it('retries 503 with backoff, then succeeds', async () => {
    server.handler = (req, i) =>
      i < 2 ? { status: 503, json: { error: 'temporarily_unavailable' } } : issueToken(req, i);
    const client = createTokenClient(base());
    expect(await client.getToken()).toBe('token-3');
    expect(server.tokenRequests).toHaveLength(3);
  });

  it.each([
    [500, undefined],
    [502, undefined],
    [504, undefined],
    [408, undefined],
    [400, 'server_error'],
    [400, 'temporarily_unavailable'],
  ])('retries HTTP %i (error %s)', async (status, error) => {
    server.handler = (req, i) =>
      i === 0 ? (error ? { status, json: { error } } : { status, body: 'oops' }) : issueToken(req, i);
    const client = createTokenClient(base());
    expect(await client.getToken()).toBe('token-2');
    expect(server.tokenRequests).toHaveLength(2);
  });

  it('gives up after `attempts` with a TokenRequestError carrying the last status and error', async () => {
    server.handler = () => ({ status: 503, json: { error: 'temporarily_unavailable' } });
    const client = createTokenClient(base());
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({
      code: 'token_request_failed',
      attempts: 3,
      status: 503,
      error: 'temporarily_unavailable',
      retryAfterSec: undefined,
    });
    expect(server.tokenRequests).toHaveLength(3);
  });

  it('default policy makes 3 attempts', async () => {
    server.handler = () => ({ status: 500, body: 'x' });
    const client = createTokenClient({ ...base(), retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(client.getToken()).rejects.toMatchObject({ attempts: 3 });
    expect(server.tokenRequests).toHaveLength(3);
  });

  it('attempts: 1 disables retries', async () => {
    server.handler = () => ({ status: 503, body: 'x' });
    const client = createTokenClient({ ...base(), retry: { attempts: 1 } });
    await expect(client.getToken()).rejects.toMatchObject({ name: 'TokenRequestError', attempts: 1 });
    expect(server.tokenRequests).toHaveLength(1);
  });

  it('stops when the next backoff would pass maxTotalMs', async () => {
    server.handler = () => ({ status: 503, body: 'x' });
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      const client = createTokenClient({
        ...base(),
        retry: { attempts: 10, baseDelayMs: 1000, maxDelayMs: 1000, maxTotalMs: 500 },
      });
      await expect(client.getToken()).rejects.toMatchObject({ name: 'TokenRequestError', attempts: 1 });
      expect(server.tokenRequests).toHaveLength(1);
    } finally {
      random.mockRestore();
    }
  });

  it("shortens each attempt's timeout to what is left of maxTotalMs", async () => {
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 2_000 });
    const client = createTokenClient({
      ...base(),
      timeoutMs: 10_000,
      retry: { ...fastRetry, maxTotalMs: 100 },
    });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenTimeoutError);
    const { timeoutMs } = error as TokenTimeoutError;
    expect(timeoutMs).toBeLessThanOrEqual(100);
    // Whole milliseconds, in the field and in the message.
    expect(Number.isInteger(timeoutMs)).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`timed out after ${timeoutMs} ms \\(attempt 1\\)$`));
  });

  it('honours Retry-After on 429', async () => {
    server.handler = (req, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : issueToken(req, i);
    const client = createTokenClient({ ...base(), retry: { ...fastRetry, maxDelayMs: 1 } });
    expect(await client.getToken()).toBe('token-2');
    const [first, second] = server.tokenRequests;
    // The backoff alone would wait at most 1 ms; Retry-After asked for 1 s.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once when Retry-After exceeds the remaining budget', async () => {
    server.handler = () => ({ status: 429, headers: { 'retry-after': '120' }, body: '' });
    const client = createTokenClient(base());
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 429, attempts: 1, retryAfterSec: 120 });
    expect((error as Error).message).toContain('retry after 120 s');
    expect(server.tokenRequests).toHaveLength(1);
  });

  it('times out a slow token endpoint, retries, then throws TokenTimeoutError', async () => {
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: 1_000 });
    const client = createTokenClient({ ...base(), timeoutMs: 50, retry: { ...fastRetry, attempts: 2 } });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenTimeoutError);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ code: 'token_request_timeout', attempts: 2, timeoutMs: 50 });
    expect(server.tokenRequests).toHaveLength(2);
  });

  it('times out a body that never finishes, even when the injected fetch ignores the abort signal', async () => {
    server.handler = (req, i) => ({ ...issueToken(req, i), stallBody: true });
    let calls = 0;
    // The body of this fetch's Response is not tied to the client's AbortSignal.
    const deafFetch = (input: string | URL | Request, init?: RequestInit) => {
      calls++;
      return fetch(input, { ...init, signal: null });
    };
    const client = createTokenClient({
      ...base(),
      fetch: deafFetch,
      timeoutMs: 100,
      retry: { ...fastRetry, attempts: 2 },
    });
    const outcome = await Promise.race([
      client.getToken().catch((e: unknown) => e),
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3_000)),
    ]);
    expect(outcome).toBeInstanceOf(TokenTimeoutError);
    expect(outcome).toMatchObject({ code: 'token_request_timeout', attempts: 2, timeoutMs: 100 });
    expect(calls).toBe(2);
    expect(server.tokenRequests).toHaveLength(2);
  });

  it('Retry-After: 0 retries at once, instead of a backoff that would not fit the budget', async () => {
    server.handler = (req, i) =>
      i === 0 ? { status: 503, headers: { 'retry-after': '0' }, body: 'busy' } : issueToken(req, i);
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      // The jittered backoff (~9.9 s) would exceed the 5 s budget and end retrying.
      const client = createTokenClient({
        ...base(),
        retry: { attempts: 3, baseDelayMs: 10_000, maxDelayMs: 10_000, maxTotalMs: 5_000 },
      });
      expect(await client.getToken()).toBe('token-2');
      expect(server.tokenRequests).toHaveLength(2);
    } finally {
      random.mockRestore();
    }
  });

  it('a timeout then a fast answer succeeds', async () => {
    server.handler = (req, i) => ({ ...issueToken(req, i), delayMs: i === 0 ? 1_000 : 0 });
    const client = createTokenClient({ ...base(), timeoutMs: 100 });
    expect(await client.getToken()).toBe('token-2');
  });

  it('retries network errors and reports them as TokenRequestError with a sanitised cause', async () => {
    const dead = await startTokenServer();
    const url = dead.tokenUrl;
    await dead.close();
    const client = createTokenClient({ ...base(), tokenUrl: url });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ attempts: 3, status: undefined });
    expect((error as Error).message).toMatch(/network error/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('OAuth errors are typed and never retried', () => {
  it.each([
    ['invalid_client', 401, InvalidClientError],
    ['invalid_scope', 400, InvalidScopeError],
    ['unauthorized_client', 400, UnauthorizedClientError],
    ['invalid_grant', 400, InvalidGrantError],
    ['unsupported_grant_type', 400, UnsupportedGrantTypeError],
    ['invalid_request', 400, InvalidTokenRequestError],
    ['access_denied', 403, TokenEndpointError],
  ])('%s (HTTP %i) -> %o, one request', async (code, status, Class) => {
    server.handler = () => ({
      status,
      json: { error: code, error_description: 'described', error_uri: 'https://docs.example/e' },
    });
    const client = createTokenClient(base());
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect((error as Error).name).toBe(Class.name);
    expect(error).toMatchObject({
      code: 'token_endpoint_error',
      status,
      error: code,
      errorDescription: 'described',
      errorUri: 'https://docs.example/e',
    });
    expect((error as Error).message).toBe(
      `Token endpoint refused the request (HTTP ${status}, ${code}): described`,
    );
    expect(server.tokenRequests).toHaveLength(1);
  });
});

describe('unusable responses are typed and never retried', () => {
  it.each([
    ['a non-JSON success body', { status: 200, body: '<html>hello</html>' }, 200],
    ['a JSON array', { status: 200, json: [1, 2] }, 200],
    ['no access_token', { status: 200, json: { token_type: 'Bearer', expires_in: 60 } }, 200],
    ['an empty access_token', { status: 200, json: { access_token: '', token_type: 'Bearer' } }, 200],
    ['a numeric access_token', { status: 200, json: { access_token: 42, token_type: 'Bearer' } }, 200],
    ['no token_type', { status: 200, json: { access_token: 'abc' } }, 200],
    ['token_type DPoP', { status: 200, json: { access_token: 'abc', token_type: 'DPoP' } }, 200],
    [
      'a token with a newline',
      { status: 200, json: { access_token: 'a\r\nX-Evil: 1', token_type: 'Bearer' } },
      200,
    ],
    ['a redirect', { status: 302, headers: { location: 'https://elsewhere.example/token' } }, 302],
    ['an HTML 400', { status: 400, body: '<h1>Bad</h1>' }, 400],
    ['a 404', { status: 404, body: 'not found' }, 404],
  ])('%s -> TokenResponseError', async (_name, reply, status) => {
    server.handler = () => reply;
    const client = createTokenClient(base());
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).toMatchObject({ code: 'invalid_token_response', status });
    expect(server.tokenRequests).toHaveLength(1);
  });

  it('accepts token_type in any case', async () => {
    server.handler = () => ({ json: { access_token: 'abc', token_type: 'bEaReR' } });
    expect(await createTokenClient(base()).getToken()).toBe('abc');
  });

  it('refuses an oversized response', async () => {
    server.handler = () => ({ json: { access_token: 'a'.repeat(300 * 1024), token_type: 'Bearer' } });
    await expect(createTokenClient(base()).getToken()).rejects.toBeInstanceOf(TokenResponseError);
  });
});

describe('backoffDelay', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxTotalMs: 10_000 };
  it('is full jitter under an exponential, capped ceiling', () => {
    expect(backoffDelay(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(2, policy, () => 0.999)).toBe(199);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  it.each([
    [null, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-1', undefined],
    ['0', 0],
    [' 7 ', 7000],
    ['Mon, 01 Jan 2024 00:00:30 GMT', 30_000],
    ['Sun, 31 Dec 2023 23:59:00 GMT', 0],
  ])('%s -> %s ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
