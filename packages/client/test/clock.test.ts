/**
 * The default clock (no `now` option): a token's age is the larger of the
 * monotonic and the wall-clock time since it was requested. Date and
 * performance are faked so each can move on its own: vi.setSystemTime steps
 * only the wall clock, vi.advanceTimersByTime moves both.
 */
import { createTokenClient } from '@scopegate/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const TOKEN_URL = 'https://auth.example.com/token';
const API_URL = 'https://api.example.com/data';
const HOUR = 3_600_000;

let tokenRequests = 0;
let apiAuthorizations: Array<string | null> = [];
let apiStatus: (index: number) => number = () => 200;

/** Token endpoint issuing token-<n> for an hour, and an API answering per apiStatus. */
async function network(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = input instanceof Request ? input.url : String(input);
  if (url === TOKEN_URL) {
    tokenRequests++;
    return Response.json({ access_token: `token-${tokenRequests}`, token_type: 'Bearer', expires_in: 3600 });
  }
  apiAuthorizations.push(new Headers(init?.headers).get('authorization'));
  const status = apiStatus(apiAuthorizations.length - 1);
  return new Response(null, {
    status,
    headers: status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {},
  });
}

const client = () =>
  createTokenClient({ tokenUrl: TOKEN_URL, clientId: 'worker', clientSecret: 's', fetch: network });

beforeEach(() => {
  tokenRequests = 0;
  apiAuthorizations = [];
  apiStatus = () => 200;
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('default clock', () => {
  it('a backward wall-clock step does not keep an expired token in use', async () => {
    const c = client();
    expect(await c.getToken()).toBe('token-1');
    vi.setSystemTime(Date.now() - 2 * HOUR); // NTP or an operator steps the clock back
    vi.advanceTimersByTime(HOUR); // an hour really passes: token-1 has expired
    expect(await c.getToken()).toBe('token-2');
    expect(tokenRequests).toBe(2);
  });

  it('a backward wall-clock step does not block the 401 invalid_token retry', async () => {
    apiStatus = (i) => (i === 0 ? 401 : 200);
    const c = client();
    await c.getToken();
    vi.advanceTimersByTime(10_000); // older than invalidTokenRetryMinAgeMs (5 s)
    vi.setSystemTime(Date.now() - HOUR);
    const res = await c.fetch(API_URL);
    expect(res.status).toBe(200);
    expect(apiAuthorizations).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('a backward wall-clock step does not pause refreshing in the skew window', async () => {
    const c = client();
    expect(await c.getToken()).toBe('token-1');
    vi.setSystemTime(Date.now() - HOUR);
    vi.advanceTimersByTime(HOUR - 30_000); // inside the 60 s skew window
    await c.getToken();
    await vi.waitFor(() => expect(tokenRequests).toBe(2));
  });

  it('wall-clock time that the monotonic clock missed (a suspend) still ages the token', async () => {
    const c = client();
    expect(await c.getToken()).toBe('token-1');
    vi.setSystemTime(Date.now() + 2 * HOUR); // the monotonic clock stood still meanwhile
    expect(await c.getToken()).toBe('token-2');
  });

  it('labels the token with epoch ms from Date.now()', async () => {
    vi.setSystemTime(Date.parse('2030-01-01T00:00:00Z'));
    const token = await client().getTokenResponse();
    expect(token.obtainedAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(token.expiresAt).toBe(Date.parse('2030-01-01T01:00:00Z'));
    expect(token.refreshAt).toBe(Date.parse('2030-01-01T00:59:00Z'));
  });
});
