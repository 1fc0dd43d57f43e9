/**
 * Neither discovery nor the token request follows a redirect: a metadata
 * document from elsewhere could name another token endpoint, and a followed
 * token request would resend the client credentials to wherever it points.
 */
import { createTokenClient, DiscoveryError, TokenResponseError } from '@scopegate/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fastRetry, issueToken, startTokenServer, type TokenServer } from './token-server.js';

const SECRET = 'redirect-test-secret';
const creds = { clientId: 'worker', clientSecret: SECRET, retry: fastRetry };

let server: TokenServer;
// Another origin that would happily serve metadata and tokens.
let elsewhere: TokenServer;
beforeAll(async () => {
  server = await startTokenServer();
  elsewhere = await startTokenServer();
});
afterAll(async () => {
  await server.close();
  await elsewhere.close();
});
beforeEach(() => {
  server.requests.length = 0;
  elsewhere.requests.length = 0;
  // A document that claims to be for `server`'s issuer but names its own token endpoint.
  elsewhere.handler = (req, i) =>
    req.path === '/token'
      ? issueToken(req, i)
      : { json: { issuer: server.origin, token_endpoint: `${elsewhere.origin}/token` } };
});

describe('discovery does not follow redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'a %i to another origin is not followed and fails with DiscoveryError',
    async (status) => {
      server.handler = (req) => ({
        status,
        headers: { location: `${elsewhere.origin}${req.path}` },
        body: '',
      });
      const client = createTokenClient({ issuer: server.origin, ...creds });
      const error = await client.getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect(error).toMatchObject({ code: 'discovery_failed', issuer: server.origin });
      expect((error as Error).message).toContain(`a redirect (HTTP ${status}), not followed`);
      expect(elsewhere.requests).toHaveLength(0);
      // Both well-known URLs were asked, once each: a redirect is not retried.
      expect(server.requests).toHaveLength(2);
    },
  );

  it('a same-origin redirect is not followed either', async () => {
    server.handler = (req) =>
      req.path === '/moved'
        ? { json: { issuer: server.origin, token_endpoint: `${server.origin}/token` } }
        : { status: 302, headers: { location: `${server.origin}/moved` }, body: '' };
    const error = await createTokenClient({ issuer: server.origin, ...creds })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(server.requests.map((r) => r.path)).not.toContain('/moved');
  });

  it('a redirect on the OpenID URL falls back to the RFC 8414 document', async () => {
    server.handler = (req, i) => {
      if (req.path === '/token') return issueToken(req, i);
      if (req.path === '/.well-known/openid-configuration') {
        return { status: 302, headers: { location: `${elsewhere.origin}${req.path}` }, body: '' };
      }
      return { json: { issuer: server.origin, token_endpoint: `${server.origin}/token` } };
    };
    const client = createTokenClient({ issuer: server.origin, ...creds });
    expect(await client.getToken()).toBe('token-1');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('refuses a document the fetch option fetched by following a redirect anyway', async () => {
    server.handler = (req) => ({ status: 302, headers: { location: `${elsewhere.origin}${req.path}` } });
    // A fetch that ignores `redirect: 'manual'`.
    const following = (input: string | URL | Request, init?: RequestInit) =>
      fetch(input, { ...init, redirect: 'follow' });
    const client = createTokenClient({ issuer: server.origin, ...creds, fetch: following });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toContain('a redirect that the fetch option followed anyway');
    // Its document was fetched, but the token endpoint it names is never called.
    expect(elsewhere.tokenRequests).toHaveLength(0);
  });
});

describe('the token request does not follow redirects', () => {
  it.each([
    ['client_secret_basic', 307],
    ['client_secret_post', 307],
    ['client_secret_post', 308],
    ['client_secret_basic', 302],
  ] as const)(
    '%s: a %i to another origin never reaches it, TokenResponseError',
    async (authMethod, status) => {
      server.handler = () => ({ status, headers: { location: `${elsewhere.origin}/token` }, body: '' });
      const client = createTokenClient({ tokenUrl: server.tokenUrl, ...creds, authMethod });
      const error = await client.getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenResponseError);
      expect(error).toMatchObject({ code: 'invalid_token_response', status });
      expect((error as Error).message).toContain(`a redirect (HTTP ${status}); not followed`);
      expect(elsewhere.requests).toHaveLength(0);
      expect(server.tokenRequests).toHaveLength(1);
    },
  );

  it('refuses a token the fetch option got by following a redirect anyway', async () => {
    server.handler = () => ({ status: 307, headers: { location: `${elsewhere.origin}/token` } });
    const following = (input: string | URL | Request, init?: RequestInit) =>
      fetch(input, { ...init, redirect: 'follow' });
    const client = createTokenClient({ tokenUrl: server.tokenUrl, ...creds, fetch: following });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect((error as Error).message).toContain('a redirect that the fetch option followed anyway');
  });

  it('treats an opaque redirect (browser-style fetch) as a redirect', async () => {
    const opaque = async () =>
      ({
        type: 'opaqueredirect',
        status: 0,
        redirected: false,
        headers: new Headers(),
        body: null,
      }) as unknown as Response;
    const client = createTokenClient({ tokenUrl: 'https://auth.example.com/token', ...creds, fetch: opaque });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenResponseError);
    expect((error as Error).message).toContain('an opaque redirect; not followed');
  });

  it("passes redirect: 'manual' to the fetch option", async () => {
    const seen: Array<RequestInit['redirect']> = [];
    const recording = (input: string | URL | Request, init?: RequestInit) => {
      seen.push(init?.redirect);
      return fetch(input, init);
    };
    server.handler = (req, i) =>
      req.path === '/token'
        ? issueToken(req, i)
        : { json: { issuer: server.origin, token_endpoint: `${server.origin}/token` } };
    await createTokenClient({ issuer: server.origin, ...creds, fetch: recording }).getToken();
    expect(seen).toEqual(['manual', 'manual']);
  });
});
