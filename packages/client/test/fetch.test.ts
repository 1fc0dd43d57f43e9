import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenClient } from '@scopegate/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock, issueToken, startTokenServer, type TokenServer } from './token-server.js';

interface ApiRequest {
  method: string;
  authorization: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}
type ApiHandler = (req: ApiRequest, index: number) => { status: number; headers?: Record<string, string> };

let tokens: TokenServer;
let api: Server;
let apiUrl: string;
let apiRequests: ApiRequest[] = [];
let apiHandler: ApiHandler = () => ({ status: 200 });
let clock = fakeClock();

beforeAll(async () => {
  tokens = await startTokenServer();
  api = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = {
      method: req.method ?? '',
      authorization: req.headers.authorization,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    apiRequests.push(recorded);
    const reply = apiHandler(recorded, apiRequests.length - 1);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify({ ok: reply.status === 200 }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/data`;
});
beforeEach(() => {
  tokens.requests.length = 0;
  tokens.handler = issueToken;
  apiRequests = [];
  apiHandler = () => ({ status: 200 });
  clock = fakeClock();
});
afterAll(async () => {
  await tokens.close();
  api.closeAllConnections();
  await new Promise((r) => api.close(r));
});

const client = () =>
  createTokenClient({ tokenUrl: tokens.tokenUrl, clientId: 'worker', clientSecret: 's', now: clock.now });
/** The default invalidTokenRetryMinAgeMs: a token this old may be refreshed on a 401. */
const RETRY_MIN_AGE_MS = 5_000;
/** Fetches the client's token, then ages it past the retry threshold. */
async function withAgedToken(c: ReturnType<typeof client>) {
  await c.getToken();
  clock.advance(RETRY_MIN_AGE_MS);
  return c;
}
const invalidToken = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="expired"' },
};

describe('client.fetch', () => {
  it('adds Authorization: Bearer and keeps the caller headers', async () => {
    const res = await client().fetch(apiUrl, { headers: { 'x-trace': 'abc', Authorization: 'Basic nope' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(apiRequests).toHaveLength(1);
    expect(apiRequests[0]!.authorization).toBe('Bearer token-1');
    expect(apiRequests[0]!.headers['x-trace']).toBe('abc');
  });

  it('accepts URL and Request inputs', async () => {
    const c = client();
    await c.fetch(new URL(apiUrl));
    await c.fetch(new Request(apiUrl, { headers: { 'x-from-request': '1' } }));
    expect(apiRequests.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-1']);
    expect(apiRequests[1]!.headers['x-from-request']).toBe('1');
  });

  it('on 401 invalid_token: invalidates and retries exactly once with a new token, replaying the body', async () => {
    apiHandler = (_req, i) => (i === 0 ? invalidToken : { status: 200 });
    const c = await withAgedToken(client());
    const res = await c.fetch(apiUrl, { method: 'POST', body: JSON.stringify({ n: 1 }) });
    expect(res.status).toBe(200);
    expect(apiRequests.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(apiRequests.map((r) => r.body)).toEqual(['{"n":1}', '{"n":1}']);
    expect(tokens.tokenRequests).toHaveLength(2);
    expect(await c.getToken()).toBe('token-2');
  });

  it('returns the second 401 as is: never more than one retry', async () => {
    apiHandler = () => invalidToken;
    const res = await (await withAgedToken(client())).fetch(apiUrl);
    expect(res.status).toBe(401);
    expect(apiRequests).toHaveLength(2);
    expect(tokens.tokenRequests).toHaveLength(2);
  });

  it('an API that rejects every token costs at most one token request per invalidTokenRetryMinAgeMs', async () => {
    apiHandler = () => invalidToken;
    const c = await withAgedToken(client());
    for (let i = 0; i < 10; i++) {
      expect((await c.fetch(apiUrl)).status).toBe(401);
      clock.advance(100);
    }
    // token-1 was old: one refresh and retry. token-2 is younger than 5 s: no more.
    expect(tokens.tokenRequests).toHaveLength(2);
    expect(apiRequests).toHaveLength(11);
    expect(apiRequests.at(-1)!.authorization).toBe('Bearer token-2');
    clock.advance(RETRY_MIN_AGE_MS - 1_000); // token-2 is now 5 s old
    expect((await c.fetch(apiUrl)).status).toBe(401);
    expect(tokens.tokenRequests).toHaveLength(3);
    expect(apiRequests).toHaveLength(13);
  });

  it('returns the 401 of a just-obtained token without refreshing', async () => {
    apiHandler = () => invalidToken;
    const res = await client().fetch(apiUrl);
    expect(res.status).toBe(401);
    expect(apiRequests).toHaveLength(1);
    expect(tokens.tokenRequests).toHaveLength(1);
  });

  it.each([
    [
      '403 insufficient_scope',
      { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } },
    ],
    ['401 without WWW-Authenticate', { status: 401 }],
    ['401 without an error', { status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' } }],
    [
      '401 invalid_request',
      { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_request"' } },
    ],
    [
      '401 with invalid_token only inside a description',
      {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="api", error_description="x, error=invalid_token"' },
      },
    ],
    ['500', { status: 500, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }],
  ])('does not retry on %s', async (_name, reply) => {
    apiHandler = () => reply;
    // An aged token, so only the status and challenge decide.
    const res = await (await withAgedToken(client())).fetch(apiUrl);
    expect(res.status).toBe(reply.status);
    expect(apiRequests).toHaveLength(1);
    expect(tokens.tokenRequests).toHaveLength(1);
  });

  it('recognises invalid_token in a non-first challenge and with an unquoted value', async () => {
    apiHandler = (_req, i) =>
      i === 0
        ? {
            status: 401,
            headers: { 'www-authenticate': 'DPoP algs="ES256", Bearer realm="api", error=invalid_token' },
          }
        : { status: 200 };
    const res = await (await withAgedToken(client())).fetch(apiUrl);
    expect(res.status).toBe(200);
    expect(apiRequests).toHaveLength(2);
  });

  it('does not retry when the body is a stream (cannot be replayed)', async () => {
    apiHandler = () => invalidToken;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const c = await withAgedToken(client());
    const res = await c.fetch(apiUrl, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(401);
    expect(apiRequests).toHaveLength(1);
    expect(apiRequests[0]!.body).toBe('streamed');
  });

  it('does not retry a Request that carries its own body', async () => {
    apiHandler = () => invalidToken;
    const c = await withAgedToken(client());
    const res = await c.fetch(new Request(apiUrl, { method: 'POST', body: 'once' }));
    expect(res.status).toBe(401);
    expect(apiRequests).toHaveLength(1);
  });

  it('replays URLSearchParams and typed-array bodies', async () => {
    apiHandler = (_req, i) => (i % 2 === 0 ? invalidToken : { status: 200 });
    const c = await withAgedToken(client());
    await c.fetch(apiUrl, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    clock.advance(RETRY_MIN_AGE_MS);
    await c.fetch(apiUrl, { method: 'POST', body: new TextEncoder().encode('bytes') });
    expect(apiRequests.map((r) => r.body)).toEqual(['a=1', 'a=1', 'bytes', 'bytes']);
  });

  it('50 concurrent requests rejected with the same token cause one refresh', async () => {
    const c = await withAgedToken(client());
    apiHandler = (req) => (req.authorization === 'Bearer token-1' ? invalidToken : { status: 200 });
    const responses = await Promise.all(Array.from({ length: 50 }, () => c.fetch(apiUrl)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(tokens.tokenRequests).toHaveLength(2);
  });

  it('rejects with the token error when no token can be obtained, without calling the API', async () => {
    tokens.handler = () => ({ status: 401, json: { error: 'invalid_client' } });
    await expect(client().fetch(apiUrl)).rejects.toMatchObject({ name: 'InvalidClientError' });
    expect(apiRequests).toHaveLength(0);
  });

  it('works detached (const { fetch } = client)', async () => {
    const { fetch } = client();
    expect((await fetch(apiUrl)).status).toBe(200);
  });
});
