import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, TemporarilyUnavailableError } from '../src/errors.js';
import { hydraAdminMetadata } from '../src/rate-limit/hydra-admin.js';
import { createMemoryStore } from '../src/rate-limit/memory-store.js';
import { createRateLimiter } from '../src/rate-limit/rate-limiter.js';
import type { ClientMetadata, ScopegateEvent, VerifiedToken } from '../src/types.js';

/** Fake Hydra admin API: GET /admin/clients/:id → { client_id, metadata }. */
const clients: Record<string, { metadata?: ClientMetadata | null }> = {};
let mode: 'ok' | 'down' | 'slow' | 'garbage' = 'ok';
let requests: string[] = [];
let seenHeaders: IncomingMessage['headers'] = {};
let server: Server;
let adminUrl: string;

function handle(req: IncomingMessage, res: ServerResponse): void {
  requests.push(req.url ?? '');
  seenHeaders = req.headers;
  if (mode === 'down') {
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
    return;
  }
  if (mode === 'garbage') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
    return;
  }
  const match = /^\/admin\/clients\/([^/?]+)$/.exec(req.url ?? '');
  const id = match ? decodeURIComponent(match[1]!) : undefined;
  const send = () => {
    const client = id !== undefined && Object.hasOwn(clients, id) ? clients[id] : undefined;
    if (req.method !== 'GET' || !client) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Unable to locate the resource', status_code: 404 }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ client_id: id, client_name: 'x', metadata: client.metadata ?? null }));
  };
  if (mode === 'slow') setTimeout(send, 1_000);
  else setTimeout(send, 20); // a little latency so concurrent lookups overlap
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  mode = 'ok';
  requests = [];
  for (const key of Object.keys(clients)) delete clients[key];
  clients['nightly-data-sync'] = { metadata: { rate_limit_per_minute: 600 } };
  clients['limited'] = { metadata: { rate_limit_per_minute: 2 } };
  clients['no-metadata'] = {};
});

const auth = (clientId: string): VerifiedToken => ({
  token: 't',
  header: { alg: 'RS256' },
  claims: {},
  issuer: 'https://issuer.test/',
  subject: clientId,
  subjectType: 'client',
  clientId,
  scopes: new Set(),
  expiresAt: 2_000_000_000,
});

/** Calls the source as the rate limiter does. */
async function lookup(source: ReturnType<typeof hydraAdminMetadata>, clientId: string) {
  if (typeof source !== 'function') throw new Error('expected a function source');
  return await source(clientId, auth(clientId));
}

describe('hydraAdminMetadata', () => {
  it('reads metadata.rate_limit_per_minute and caches it (one request for many lookups)', async () => {
    const source = hydraAdminMetadata({ adminUrl });
    expect(await lookup(source, 'nightly-data-sync')).toEqual({ rate_limit_per_minute: 600 });
    for (let i = 0; i < 10; i++) await lookup(source, 'nightly-data-sync');
    expect(requests).toEqual(['/admin/clients/nightly-data-sync']);
    expect(seenHeaders.accept).toBe('application/json');
  });

  it('asks again after the TTL', async () => {
    let now = 0;
    const source = hydraAdminMetadata({ adminUrl, ttlMs: 1_000, now: () => now });
    await lookup(source, 'limited');
    now = 999;
    await lookup(source, 'limited');
    expect(requests).toHaveLength(1);
    clients['limited'] = { metadata: { rate_limit_per_minute: 7 } };
    now = 1_000;
    expect(await lookup(source, 'limited')).toEqual({ rate_limit_per_minute: 7 });
    expect(requests).toHaveLength(2);
  });

  it('treats 404 as no metadata and remembers it for negativeTtlMs', async () => {
    let now = 0;
    const source = hydraAdminMetadata({ adminUrl, negativeTtlMs: 500, now: () => now });
    expect(await lookup(source, 'ghost')).toBeUndefined();
    expect(await lookup(source, 'ghost')).toBeUndefined();
    expect(requests).toEqual(['/admin/clients/ghost']);
    now = 500;
    await lookup(source, 'ghost');
    expect(requests).toHaveLength(2);
  });

  it('treats a client without metadata as no metadata', async () => {
    const source = hydraAdminMetadata({ adminUrl });
    expect(await lookup(source, 'no-metadata')).toBeUndefined();
  });

  it('encodes the client id in the path', async () => {
    clients['a/b c?'] = { metadata: { rate_limit_per_minute: 1 } };
    const source = hydraAdminMetadata({ adminUrl: `${adminUrl}/` });
    expect(await lookup(source, 'a/b c?')).toEqual({ rate_limit_per_minute: 1 });
    expect(requests).toEqual(['/admin/clients/a%2Fb%20c%3F']);
  });

  it('never turns a client id of "." or ".." into another admin path', async () => {
    const source = hydraAdminMetadata({ adminUrl });
    expect(await lookup(source, '.')).toBeUndefined();
    expect(await lookup(source, '..')).toBeUndefined();
    expect(await lookup(source, '')).toBeUndefined();
    expect(requests).toEqual([]);
    clients['a.b'] = { metadata: { rate_limit_per_minute: 4 } };
    expect(await lookup(source, 'a.b')).toEqual({ rate_limit_per_minute: 4 });
    expect(requests).toEqual(['/admin/clients/a.b']);
  });

  it('sends one request for 100 concurrent lookups of one client (single-flight)', async () => {
    const source = hydraAdminMetadata({ adminUrl });
    const results = await Promise.all(Array.from({ length: 100 }, () => lookup(source, 'nightly-data-sync')));
    expect(requests).toHaveLength(1);
    expect(results.every((r) => r?.rate_limit_per_minute === 600)).toBe(true);
  });

  it('sends configured headers', async () => {
    const source = hydraAdminMetadata({ adminUrl, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    await lookup(source, 'limited');
    expect(seenHeaders.authorization).toBe('Basic YWRtaW46YWRtaW4=');
  });

  it("falls back to defaultPerMinute when Hydra is down (onUnavailable 'default')", async () => {
    mode = 'down';
    const events: ScopegateEvent[] = [];
    const limiter = createRateLimiter({
      clientMetadata: hydraAdminMetadata({ adminUrl, onEvent: (e) => events.push(e) }),
      defaultPerMinute: 3,
      store: createMemoryStore({ now: () => 0 }),
    });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.check(auth('nightly-data-sync')));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[0]!.headers['ratelimit-policy']).toBe('"client";q=3;w=60');
    // The failure is remembered for errorTtlMs: one request, one event.
    expect(requests).toHaveLength(1);
    expect(events).toEqual([
      {
        type: 'rate_limit_metadata_failed',
        clientId: 'nightly-data-sync',
        error: 'Hydra admin API answered 503',
      },
    ]);
  });

  it('retries after errorTtlMs and recovers when Hydra is back', async () => {
    let now = 0;
    mode = 'down';
    const source = hydraAdminMetadata({ adminUrl, errorTtlMs: 1_000, now: () => now });
    expect(await lookup(source, 'limited')).toBeUndefined();
    mode = 'ok';
    now = 999;
    expect(await lookup(source, 'limited')).toBeUndefined();
    now = 1_000;
    expect(await lookup(source, 'limited')).toEqual({ rate_limit_per_minute: 2 });
    expect(requests).toHaveLength(2);
  });

  it('keeps serving the last answer after the TTL while Hydra is down', async () => {
    let now = 0;
    const source = hydraAdminMetadata({ adminUrl, ttlMs: 1_000, now: () => now, onUnavailable: 'reject' });
    expect(await lookup(source, 'limited')).toEqual({ rate_limit_per_minute: 2 });
    mode = 'down';
    now = 5_000;
    expect(await lookup(source, 'limited')).toEqual({ rate_limit_per_minute: 2 });
    expect(requests).toHaveLength(2);
  });

  it("answers 503 in 'reject' mode when Hydra is down and nothing is cached", async () => {
    mode = 'down';
    const limiter = createRateLimiter({
      clientMetadata: hydraAdminMetadata({ adminUrl, onUnavailable: 'reject' }),
      defaultPerMinute: 3,
    });
    const failure = limiter.check(auth('limited'));
    await expect(failure).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    const error = (await failure.catch((e: unknown) => e)) as TemporarilyUnavailableError;
    expect(error.status).toBe(503);
    expect(error.headers()).toEqual({ 'retry-after': '5' });
    expect(error.toBody()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'client metadata is temporarily unavailable',
    });
    // Remembered: the next request is answered 503 without asking Hydra.
    await expect(limiter.check(auth('limited'))).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    expect(requests).toHaveLength(1);
  });

  it('treats an unreadable answer as an outage', async () => {
    mode = 'garbage';
    const events: ScopegateEvent[] = [];
    const source = hydraAdminMetadata({ adminUrl, onEvent: (e) => events.push(e) });
    expect(await lookup(source, 'limited')).toBeUndefined();
    expect(events[0]).toMatchObject({ error: 'Hydra admin API answered with invalid JSON' });
  });

  it('gives up on a slow server after timeoutMs', async () => {
    mode = 'slow';
    const events: ScopegateEvent[] = [];
    const started = Date.now();
    const source = hydraAdminMetadata({ adminUrl, timeoutMs: 100, onEvent: (e) => events.push(e) });
    expect(await lookup(source, 'limited')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(900);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'rate_limit_metadata_failed', clientId: 'limited' });

    const rejecting = hydraAdminMetadata({ adminUrl, timeoutMs: 100, onUnavailable: 'reject' });
    await expect(lookup(rejecting, 'limited')).rejects.toMatchObject({ status: 503 });
  });

  it('treats a refused connection as an outage', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const source = hydraAdminMetadata({ adminUrl: `http://127.0.0.1:${port}`, onUnavailable: 'reject' });
    await expect(lookup(source, 'limited')).rejects.toBeInstanceOf(TemporarilyUnavailableError);
  });

  it('limits a client end to end with its Hydra metadata', async () => {
    const limiter = createRateLimiter({
      clientMetadata: hydraAdminMetadata({ adminUrl }),
      store: createMemoryStore({ now: () => 0 }),
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await limiter.check(auth('limited'))).allowed);
    expect(results).toEqual([true, true, false, false]);
    expect(requests).toHaveLength(1);
  });

  it('rejects invalid options', () => {
    expect(() => hydraAdminMetadata({ adminUrl: 'not a url' })).toThrow(ConfigurationError);
    expect(() => hydraAdminMetadata({ adminUrl: 'ftp://hydra' })).toThrow(ConfigurationError);
    expect(() => hydraAdminMetadata({ adminUrl, ttlMs: -1 })).toThrow(ConfigurationError);
    expect(() => hydraAdminMetadata({ adminUrl, maxEntries: 0 })).toThrow(ConfigurationError);
    // 0 would abort every lookup; past setTimeout's range the abort would come at once.
    for (const timeoutMs of [0, -1, 1.5, Number.NaN, 2 ** 31])
      expect(() => hydraAdminMetadata({ adminUrl, timeoutMs })).toThrow(/timeoutMs/);
  });

  it("keeps 'reject' when the limiter's metadataTimeoutMs is shorter than the source's timeoutMs", async () => {
    mode = 'slow';
    const limiterEvents: ScopegateEvent[] = [];
    const limiter = createRateLimiter({
      clientMetadata: hydraAdminMetadata({ adminUrl, timeoutMs: 300, onUnavailable: 'reject' }),
      metadataTimeoutMs: 50,
      defaultPerMinute: 3,
      onEvent: (e) => limiterEvents.push(e),
    });
    const started = performance.now();
    // Without the source's own bound the limiter would give up at 50 ms and admit with the default.
    await expect(limiter.check(auth('limited'))).rejects.toBeInstanceOf(TemporarilyUnavailableError);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(900);
    expect(limiterEvents).toEqual([]);
  });

  it("still gives the default in 'default' mode once the source's own timeout fires", async () => {
    mode = 'slow';
    const sourceEvents: ScopegateEvent[] = [];
    const limiterEvents: ScopegateEvent[] = [];
    const limiter = createRateLimiter({
      clientMetadata: hydraAdminMetadata({ adminUrl, timeoutMs: 100, onEvent: (e) => sourceEvents.push(e) }),
      metadataTimeoutMs: 20,
      defaultPerMinute: 3,
      onEvent: (e) => limiterEvents.push(e),
    });
    const decision = await limiter.check(auth('limited'));
    expect(decision.headers['ratelimit-policy']).toBe('"client";q=3;w=60');
    // One report, from the source that timed out, not a second one from the limiter.
    expect(sourceEvents).toHaveLength(1);
    expect(limiterEvents).toEqual([]);
  });
});
