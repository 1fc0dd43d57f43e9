import { createTokenClient, DiscoveryError } from '@scopegate/client';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { metadataUrls } from '../src/discovery.js';
import { fastRetry, issueToken, type Reply, startTokenServer, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeEach(async () => {
  await server?.close();
  server = await startTokenServer();
});
afterAll(() => server.close());

const creds = { clientId: 'worker', clientSecret: 's', retry: fastRetry };

/** Serves metadata documents by path, tokens at /token, 404 elsewhere. */
function serve(documents: Record<string, (origin: string) => Reply>) {
  server.handler = (req, i) => {
    if (req.path === '/token') return issueToken(req, i);
    const doc = documents[req.path];
    return doc ? doc(server.origin) : { status: 404, body: 'not found' };
  };
}

describe('discovery', () => {
  it('finds the token endpoint in the OpenID Connect document, once', async () => {
    serve({
      '/.well-known/openid-configuration': (o) => ({ json: { issuer: o, token_endpoint: `${o}/token` } }),
    });
    const client = createTokenClient({ issuer: server.origin, ...creds });
    const tokens = await Promise.all([client.getToken(), client.getToken()]);
    expect(tokens).toEqual(['token-1', 'token-1']);
    client.invalidate();
    expect(await client.getToken()).toBe('token-2');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/.well-known/openid-configuration',
      '/token',
      '/token',
    ]);
  });

  it('falls back to the RFC 8414 document, inserting the well-known path before the issuer path', async () => {
    serve({
      '/.well-known/oauth-authorization-server/tenant-a': (o) => ({
        json: { issuer: `${o}/tenant-a`, token_endpoint: `${o}/token` },
      }),
    });
    const client = createTokenClient({ issuer: `${server.origin}/tenant-a`, ...creds });
    expect(await client.getToken()).toBe('token-1');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/tenant-a/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/tenant-a',
      '/token',
    ]);
  });

  it('refuses a document whose issuer differs from the configured one (no fallback, no token request)', async () => {
    serve({
      '/.well-known/openid-configuration': () => ({
        json: { issuer: 'https://evil.example.com', token_endpoint: 'https://evil.example.com/token' },
      }),
    });
    const client = createTokenClient({ issuer: server.origin, ...creds });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ code: 'discovery_failed', issuer: server.origin });
    expect((error as Error).message).toMatch(/different issuer/);
    expect(server.tokenRequests).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it('treats a trailing-slash difference as a mismatch', async () => {
    serve({
      '/.well-known/openid-configuration': (o) => ({
        json: { issuer: `${o}/`, token_endpoint: `${o}/token` },
      }),
    });
    await expect(createTokenClient({ issuer: server.origin, ...creds }).getToken()).rejects.toBeInstanceOf(
      DiscoveryError,
    );
  });

  it('requires a token_endpoint', async () => {
    serve({ '/.well-known/openid-configuration': (o) => ({ json: { issuer: o } }) });
    await expect(createTokenClient({ issuer: server.origin, ...creds }).getToken()).rejects.toThrow(
      /no token_endpoint/,
    );
  });

  it('refuses a discovered token_endpoint over plain http on a non-loopback host', async () => {
    serve({
      '/.well-known/openid-configuration': (o) => ({
        json: { issuer: o, token_endpoint: 'http://auth.example.com/token' },
      }),
    });
    await expect(createTokenClient({ issuer: server.origin, ...creds }).getToken()).rejects.toThrow(
      /must use https/,
    );
  });

  it('refuses a discovered token_endpoint over plain http on a *.localhost name', async () => {
    serve({
      '/.well-known/openid-configuration': (o) => ({
        json: { issuer: o, token_endpoint: 'http://auth.localhost/token' },
      }),
    });
    await expect(createTokenClient({ issuer: server.origin, ...creds }).getToken()).rejects.toThrow(
      /must use https/,
    );
    expect(server.tokenRequests).toHaveLength(0);
  });

  it('fails with DiscoveryError when neither document exists (or is JSON)', async () => {
    serve({ '/.well-known/openid-configuration': () => ({ body: 'garbage' }) });
    const error = await createTokenClient({ issuer: server.origin, ...creds })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toMatch(/found no metadata/);
    expect(server.requests).toHaveLength(2);
  });

  it('retries a 503 during discovery and does not cache a failure', async () => {
    let down = true;
    server.handler = (req, i) => {
      if (req.path === '/token') return issueToken(req, i);
      if (down) return { status: 503, body: 'down' };
      return { json: { issuer: server.origin, token_endpoint: `${server.origin}/token` } };
    };
    const client = createTokenClient({ issuer: server.origin, ...creds });
    await expect(client.getToken()).rejects.toBeInstanceOf(DiscoveryError);
    expect(server.requests).toHaveLength(3);
    down = false;
    expect(await client.getToken()).toBe('token-1');
  });
});

describe('discovery follows the retry policy of the token request', () => {
  const metadata = (): Reply => ({
    json: { issuer: server.origin, token_endpoint: `${server.origin}/token` },
  });

  it.each([408, 429, 500, 502, 503, 504])('retries HTTP %i, then succeeds', async (status) => {
    server.handler = (req, i) => {
      if (req.path === '/token') return issueToken(req, i);
      return i === 0 ? { status, body: 'busy' } : metadata();
    };
    const client = createTokenClient({ issuer: server.origin, ...creds });
    expect(await client.getToken()).toBe('token-1');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration',
      '/token',
    ]);
  });

  it('honours Retry-After on 429', async () => {
    server.handler = (req, i) => {
      if (req.path === '/token') return issueToken(req, i);
      return i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : metadata();
    };
    const client = createTokenClient({
      issuer: server.origin,
      ...creds,
      retry: { ...fastRetry, maxDelayMs: 1 },
    });
    expect(await client.getToken()).toBe('token-1');
    const [first, second] = server.requests;
    // The backoff alone would wait at most 1 ms; Retry-After asked for 1 s.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('honours Retry-After as an HTTP date on 503', async () => {
    server.handler = (req, i) => {
      if (req.path === '/token') return issueToken(req, i);
      const later = new Date(Date.now() + 2_000).toUTCString();
      return i === 0 ? { status: 503, headers: { 'retry-after': later }, body: 'down' } : metadata();
    };
    const client = createTokenClient({
      issuer: server.origin,
      ...creds,
      retry: { ...fastRetry, maxDelayMs: 1 },
    });
    expect(await client.getToken()).toBe('token-1');
    const [first, second] = server.requests;
    // A whole-second date, so at least ~1 s after the first answer.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
  });

  it('Retry-After: 0 retries at once, instead of a backoff that would not fit the budget', async () => {
    server.handler = (req, i) => {
      if (req.path === '/token') return issueToken(req, i);
      return i === 0 ? { status: 503, headers: { 'retry-after': '0' }, body: 'busy' } : metadata();
    };
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      const client = createTokenClient({
        issuer: server.origin,
        ...creds,
        retry: { attempts: 3, baseDelayMs: 10_000, maxDelayMs: 10_000, maxTotalMs: 5_000 },
      });
      expect(await client.getToken()).toBe('token-1');
    } finally {
      random.mockRestore();
    }
  });

  it('gives up at once when Retry-After exceeds the remaining budget, and says so', async () => {
    server.handler = () => ({ status: 429, headers: { 'retry-after': '120' }, body: '' });
    const client = createTokenClient({ issuer: server.origin, ...creds });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ code: 'discovery_failed', retryAfterSec: 120 });
    expect((error as Error).message).toMatch(
      /failed after 1 attempt\(s\): .* answered HTTP 429; server asked to retry after 120 s$/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('a 408 that persists fails with DiscoveryError after the policy attempts', async () => {
    server.handler = () => ({ status: 408, body: 'timeout' });
    const error = await createTokenClient({ issuer: server.origin, ...creds })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ retryAfterSec: undefined });
    expect((error as Error).message).toMatch(/failed after 3 attempt\(s\): .* answered HTTP 408$/);
    expect(server.requests).toHaveLength(3);
  });
});

describe('discovery transport failures', () => {
  it('times out a slow metadata endpoint, retries, then throws DiscoveryError', async () => {
    server.handler = () => ({ json: {}, delayMs: 1_000 });
    const client = createTokenClient({ issuer: server.origin, ...creds, timeoutMs: 50 });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toMatch(/failed after 3 attempt\(s\).*timed out after 50 ms/);
    expect(server.requests).toHaveLength(3);
  });

  it('both metadata URLs share one per-attempt deadline', async () => {
    // Each URL alone answers well within timeoutMs, but the two together do not.
    server.handler = (req) =>
      req.path === '/.well-known/oauth-authorization-server'
        ? { json: { issuer: server.origin, token_endpoint: `${server.origin}/token` }, delayMs: 400 }
        : { status: 404, body: 'not found', delayMs: 400 };
    const client = createTokenClient({
      issuer: server.origin,
      ...creds,
      timeoutMs: 600,
      retry: { ...fastRetry, attempts: 1 },
    });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toMatch(
      /failed after 1 attempt\(s\): .*\/\.well-known\/oauth-authorization-server timed out after 600 ms/,
    );
    expect(server.requests.map((r) => r.path)).toEqual([
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]);
  });

  it('reports a timeout shortened by the retry budget in whole milliseconds', async () => {
    server.handler = () => ({ json: {}, delayMs: 1_000 });
    const client = createTokenClient({
      issuer: server.origin,
      ...creds,
      timeoutMs: 10_000,
      retry: { ...fastRetry, maxTotalMs: 100 },
    });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toMatch(/timed out after \d{1,3} ms$/);
  });

  it('reports an unreachable issuer as DiscoveryError with a sanitised cause', async () => {
    const dead = await startTokenServer();
    await dead.close();
    const client = createTokenClient({ issuer: dead.origin, ...creds });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toMatch(/network error/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('metadataUrls', () => {
  it('builds both well-known URLs', () => {
    expect(metadataUrls('https://a.example.com').map(String)).toEqual([
      'https://a.example.com/.well-known/openid-configuration',
      'https://a.example.com/.well-known/oauth-authorization-server',
    ]);
    expect(metadataUrls('https://a.example.com/realms/x/').map(String)).toEqual([
      'https://a.example.com/realms/x/.well-known/openid-configuration',
      'https://a.example.com/.well-known/oauth-authorization-server/realms/x',
    ]);
  });
});
