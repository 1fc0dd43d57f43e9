import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryError, discoverIssuerMetadata, discoveryUrls } from '../src/keys/discovery.js';
import { createRemoteKeySource } from '../src/keys/remote-key-source.js';
import type { ScopegateEvent } from '../src/types.js';
import { type LocalIssuer, startLocalIssuer } from './helpers/local-issuer.js';

async function discoveryFailure(promise: Promise<unknown>): Promise<DiscoveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscoveryError);
  return error as DiscoveryError;
}

describe('discoveryUrls', () => {
  it('tries OIDC, then RFC 8414 (one URL for an issuer without a path)', () => {
    expect(discoveryUrls('https://auth.example.com')).toEqual([
      'https://auth.example.com/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server',
    ]);
    expect(discoveryUrls('https://auth.example.com/')).toEqual(discoveryUrls('https://auth.example.com'));
  });

  it('tries OIDC appended, RFC 8414 inserted, then RFC 8414 appended for an issuer with a path', () => {
    expect(discoveryUrls('https://auth.example.com/tenant/a/')).toEqual([
      'https://auth.example.com/tenant/a/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant/a',
      'https://auth.example.com/tenant/a/.well-known/oauth-authorization-server',
    ]);
  });
});

describe('discoverIssuerMetadata', () => {
  let idp: LocalIssuer;
  let pathIdp: LocalIssuer;
  beforeAll(async () => {
    idp = await startLocalIssuer();
    pathIdp = await startLocalIssuer({ issuerPath: '/realms/acme' });
  });
  afterAll(async () => {
    await idp.close();
    await pathIdp.close();
  });
  afterEach(() => {
    for (const server of [idp, pathIdp]) {
      server.resetRoutes();
      server.resetCounts();
    }
  });

  it('reads the OpenID Connect document first', async () => {
    const result = await discoverIssuerMetadata(idp.issuer);
    expect(result.issuer).toBe(idp.issuer);
    expect(result.jwksUri).toBe(idp.jwksUri);
    expect(result.discoveryUrl).toBe(idp.url(idp.paths.openid));
    expect(result.metadata.token_endpoint).toBe(`${idp.origin}/oauth2/token`);
    expect(idp.count(idp.paths.openid)).toBe(1);
    expect(idp.count(idp.paths.oauth)).toBe(0);
  });

  it('falls back to RFC 8414 when the OpenID document is 404', async () => {
    idp.setRoute(idp.paths.openid, { kind: 'status', status: 404 });
    const result = await discoverIssuerMetadata(idp.issuer);
    expect(result.discoveryUrl).toBe(idp.url(idp.paths.oauth));
    expect(result.jwksUri).toBe(idp.jwksUri);
    expect(idp.count(idp.paths.openid)).toBe(1);
    expect(idp.count(idp.paths.oauth)).toBe(1);
    expect(idp.count()).toBe(2);
  });

  it('uses the RFC 8414 path-insertion form, then the appended form, for an issuer with a path', async () => {
    pathIdp.setRoute(pathIdp.paths.openid, { kind: 'status', status: 404 });
    const inserted = await discoverIssuerMetadata(pathIdp.issuer);
    expect(inserted.discoveryUrl).toBe(pathIdp.url('/.well-known/oauth-authorization-server/realms/acme'));

    pathIdp.setRoute(pathIdp.paths.oauth, { kind: 'status', status: 405 });
    const appended = await discoverIssuerMetadata(pathIdp.issuer);
    expect(appended.discoveryUrl).toBe(pathIdp.url('/realms/acme/.well-known/oauth-authorization-server'));
    expect(pathIdp.count(pathIdp.paths.openid)).toBe(2);
    expect(pathIdp.count(pathIdp.paths.oauth)).toBe(2);
    expect(pathIdp.count(pathIdp.paths.oauthAppend)).toBe(1);
  });

  it('fails when no document exists anywhere', async () => {
    for (const path of [pathIdp.paths.openid, pathIdp.paths.oauth, pathIdp.paths.oauthAppend])
      pathIdp.setRoute(path, { kind: 'status', status: 404 });
    const error = await discoveryFailure(discoverIssuerMetadata(pathIdp.issuer));
    expect(error.message).toBe('no metadata document found (HTTP 404, HTTP 404, HTTP 404)');
    expect(pathIdp.count()).toBe(3);
  });

  it('refuses a document whose issuer differs from the configured one, without trying further', async () => {
    idp.setRoute(idp.paths.openid, {
      kind: 'json',
      body: { ...idp.metadata(), issuer: 'https://evil.example.com' },
    });
    const error = await discoveryFailure(discoverIssuerMetadata(idp.issuer));
    expect(error.message).toBe('the metadata issuer does not equal the configured issuer');
    expect(idp.count(idp.paths.oauth)).toBe(0);
  });

  it('compares the issuer exactly (a trailing slash matters)', async () => {
    const error = await discoveryFailure(discoverIssuerMetadata(`${idp.issuer}/`));
    expect(error.message).toBe('the metadata issuer does not equal the configured issuer');
  });

  it('refuses a document without jwks_uri, or with a jwks_uri that fails the URL policy', async () => {
    const { jwks_uri: _omit, ...noJwks } = idp.metadata();
    idp.setRoute(idp.paths.openid, { kind: 'json', body: noJwks });
    expect((await discoveryFailure(discoverIssuerMetadata(idp.issuer))).message).toBe(
      'the metadata has no jwks_uri',
    );
    idp.setRoute(idp.paths.openid, {
      kind: 'json',
      body: { ...idp.metadata(), jwks_uri: 'http://keys.example.com/jwks' },
    });
    expect((await discoveryFailure(discoverIssuerMetadata(idp.issuer))).message).toMatch(
      /^jwks_uri refused: http: is only allowed for loopback hosts/,
    );
    const allowed = await discoverIssuerMetadata(idp.issuer, { allowInsecureHttp: true });
    expect(allowed.jwksUri).toBe('http://keys.example.com/jwks');
  });

  it('stops at a 5xx or garbage instead of trying further URLs', async () => {
    idp.setRoute(idp.paths.openid, { kind: 'status', status: 503 });
    expect((await discoveryFailure(discoverIssuerMetadata(idp.issuer))).message).toBe(
      'metadata request failed: HTTP 503',
    );
    idp.setRoute(idp.paths.openid, { kind: 'text', body: 'not json at all' });
    expect((await discoveryFailure(discoverIssuerMetadata(idp.issuer))).message).toBe(
      'metadata request failed: response is not JSON',
    );
    expect(idp.count(idp.paths.oauth)).toBe(0);
  });

  it('times out a hanging discovery endpoint within the timeout', async () => {
    idp.setRoute(idp.paths.openid, { kind: 'hang' });
    const started = Date.now();
    const error = await discoveryFailure(discoverIssuerMetadata(idp.issuer, { timeoutMs: 300 }));
    expect(error.message).toMatch(/^metadata request failed: timed out after \d+ ms$/);
    expect(Date.now() - started).toBeLessThan(300 + 2_000);
  });

  it('bounds the whole discovery (all URLs together) by one timeout', async () => {
    idp.setRoute(idp.paths.openid, { kind: 'delay', ms: 200, next: { kind: 'status', status: 404 } });
    idp.setRoute(idp.paths.oauth, { kind: 'hang' });
    const started = Date.now();
    const error = await discoveryFailure(discoverIssuerMetadata(idp.issuer, { timeoutMs: 400 }));
    const elapsed = Date.now() - started;
    expect(error.message).toMatch(/^metadata request failed: timed out after \d+ ms$/);
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(400 + 2_000);
    expect(idp.count(idp.paths.oauth)).toBe(1);
  });

  it('refuses a plain-http non-loopback issuer without a request', async () => {
    let calls = 0;
    const error = await discoveryFailure(
      discoverIssuerMetadata('http://auth.example.com', {
        fetch: async () => {
          calls++;
          return new Response('{}');
        },
      }),
    );
    expect(error.message).toMatch(/^issuer URL refused: http: is only allowed for loopback hosts/);
    expect(calls).toBe(0);
  });
});

describe('discovery in the remote key source', () => {
  let idp: LocalIssuer;
  beforeAll(async () => {
    idp = await startLocalIssuer();
  });
  afterAll(async () => {
    await idp.close();
  });
  afterEach(() => {
    idp.resetRoutes();
    idp.resetCounts();
  });

  it('discovers once, then only fetches the JWKS', async () => {
    let t = 0;
    const events: ScopegateEvent[] = [];
    const source = createRemoteKeySource({
      issuer: idp.issuer,
      now: () => t,
      onEvent: (e) => events.push(e),
    });
    await source.warmup();
    expect(idp.count(idp.paths.openid)).toBe(1);
    expect(idp.count(idp.paths.jwks)).toBe(1);
    expect(events[0]).toEqual({ type: 'discovery', issuer: idp.issuer, jwksUri: idp.jwksUri });
    expect(source.jwksCache.status().uri).toBe(idp.jwksUri);

    t += 10 * 60_000; // past max age: refresh, without discovering again
    await source.warmup();
    expect(idp.count(idp.paths.openid)).toBe(1);
    expect(idp.count(idp.paths.jwks)).toBe(2);
  });

  it('retries a failed discovery after the failure backoff, not before', async () => {
    let t = 0;
    const events: ScopegateEvent[] = [];
    idp.setRoute(idp.paths.openid, { kind: 'status', status: 500 });
    const source = createRemoteKeySource({
      issuer: idp.issuer,
      now: () => t,
      onEvent: (e) => events.push(e),
    });
    const header = { alg: 'RS256', kid: idp.currentKid };
    await expect(source.getKey(header)).rejects.toMatchObject({
      status: 503,
      code: 'temporarily_unavailable',
    });
    expect(events).toEqual([
      { type: 'discovery_failed', issuer: idp.issuer, error: 'metadata request failed: HTTP 500' },
    ]);
    // during the backoff: fail fast, synchronously, without a request
    expect(() => source.getKey(header)).toThrow(expect.objectContaining({ status: 503 }));
    expect(idp.count(idp.paths.openid)).toBe(1);

    idp.resetRoutes();
    t += 5_000;
    const key = await source.getKey(header);
    expect(key.kid).toBe(idp.currentKid);
    expect(idp.count(idp.paths.openid)).toBe(2);
    expect(idp.count(idp.paths.jwks)).toBe(1);
  });

  it('refuses, at creation, a discovery issuer or jwksUri that fails the URL policy', () => {
    expect(() => createRemoteKeySource({ issuer: 'http://auth.example.com' })).toThrow(
      expect.objectContaining({ status: 500, reason: 'misconfigured' }),
    );
    expect(() =>
      createRemoteKeySource({ issuer: 'https://auth.example.com', jwksUri: 'http://auth.example.com/jwks' }),
    ).toThrow(/jwksUri refused: http: is only allowed for loopback hosts/);
    expect(() => createRemoteKeySource({ issuer: '' })).toThrow('issuer is required');
    expect(() =>
      createRemoteKeySource({ issuer: 'http://auth.example.com', allowInsecureHttp: true }),
    ).not.toThrow();
  });
});
