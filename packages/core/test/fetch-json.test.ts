import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkUrlPolicy,
  FetchJsonError,
  fetchJson,
  isLoopbackHost,
  parseMaxAge,
} from '../src/keys/fetch-json.js';
import { type LocalIssuer, startLocalIssuer } from './helpers/local-issuer.js';

async function failure(promise: Promise<unknown>): Promise<FetchJsonError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchJsonError);
  return error as FetchJsonError;
}

describe('URL policy', () => {
  it.each([
    'http://127.0.0.1/jwks',
    'http://127.1.2.3:8080/jwks',
    'http://localhost/jwks',
    'http://LOCALHOST:3000/x',
    'http://[::1]:9000/jwks',
    'https://auth.example.com/.well-known/jwks.json',
  ])('allows %s', (url) => {
    expect(checkUrlPolicy(url).href).toBe(new URL(url).href);
  });

  it.each([
    'http://auth.example.com/jwks',
    'http://10.0.0.1/jwks',
    'http://128.0.0.1/jwks',
    'http://localhost.example.com/jwks',
    'http://[::2]/jwks',
  ])('refuses plain http to non-loopback %s', (url) => {
    expect(() => checkUrlPolicy(url)).toThrow(/only allowed for loopback/);
    expect(checkUrlPolicy(url, true).protocol).toBe('http:');
  });

  it('refuses other schemes, credentials and garbage even with allowInsecureHttp', () => {
    expect(() => checkUrlPolicy('ftp://example.com/jwks', true)).toThrow('the ftp: scheme is not allowed');
    expect(() => checkUrlPolicy('file:///etc/passwd', true)).toThrow('the file: scheme is not allowed');
    expect(() => checkUrlPolicy('https://user:pw@example.com/jwks')).toThrow(/embedded credentials/);
    expect(() => checkUrlPolicy('not a url')).toThrow('not a valid absolute URL');
    try {
      checkUrlPolicy('/relative');
    } catch (error) {
      expect((error as FetchJsonError).failure).toBe('url_policy');
    }
  });

  it('recognises loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.255.255.254')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('localhost.')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.nip.io')).toBe(false);
    expect(isLoopbackHost('127.0.0.300')).toBe(false);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });
});

describe('parseMaxAge', () => {
  it('reads max-age, no-cache / no-store, and the Age header', () => {
    expect(parseMaxAge(null)).toBeUndefined();
    expect(parseMaxAge('public')).toBeUndefined();
    expect(parseMaxAge('public, max-age=3600')).toBe(3_600_000);
    expect(parseMaxAge('Max-Age="120", must-revalidate')).toBe(120_000);
    expect(parseMaxAge('max-age=3600', '600')).toBe(3_000_000);
    expect(parseMaxAge('max-age=60', '600')).toBe(0);
    expect(parseMaxAge('max-age=abc')).toBeUndefined();
    expect(parseMaxAge('no-cache')).toBe(0);
    expect(parseMaxAge('max-age=600, no-store')).toBe(0);
  });
});

describe('fetchJson against a local server', () => {
  let idp: LocalIssuer;
  beforeAll(async () => {
    idp = await startLocalIssuer();
  });
  afterAll(async () => {
    await idp.close();
  });
  afterEach(() => {
    idp.resetRoutes();
    idp.setCacheControl(undefined);
    idp.resetCounts();
  });

  it('returns the body, the final URL and Cache-Control max-age', async () => {
    idp.setCacheControl('public, max-age=900');
    const doc = await fetchJson(idp.jwksUri);
    expect(doc.url).toBe(idp.jwksUri);
    expect(doc.maxAgeMs).toBe(900_000);
    expect(doc.body).toEqual(idp.jwks());
    expect(idp.count(idp.paths.jwks)).toBe(1);
  });

  it('fails on non-2xx statuses with the status only', async () => {
    idp.setRoute('/x', { kind: 'text', status: 500, body: 'SECRET-STACK-TRACE' });
    const error = await failure(fetchJson(idp.url('/x')));
    expect(error.failure).toBe('http_status');
    expect(error.status).toBe(500);
    expect(error.message).toBe('HTTP 500');
    const notFound = await failure(fetchJson(idp.url('/nothing-here')));
    expect(notFound.status).toBe(404);
  });

  it('refuses a body that is not JSON without echoing it', async () => {
    idp.setRoute('/x', { kind: 'text', body: '<html>GARBAGE-MARKER</html>' });
    const error = await failure(fetchJson(idp.url('/x')));
    expect(error.failure).toBe('not_json');
    expect(error.message).toBe('response is not JSON');
    expect(error.message).not.toContain('GARBAGE');
  });

  it('refuses invalid UTF-8 and an empty body', async () => {
    idp.setRoute('/x', {
      kind: 'text',
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    await failure(fetchJson(idp.url('/x'))).then((e) => expect(e.failure).toBe('not_json'));
    idp.setRoute('/y', { kind: 'status', status: 200 });
    await failure(fetchJson(idp.url('/y'))).then((e) => expect(e.failure).toBe('not_json'));
  });

  it.each([[[1, 2]], ['string'], [42], [null]])('refuses JSON that is not an object: %j', async (body) => {
    idp.setRoute('/x', { kind: 'json', body });
    const error = await failure(fetchJson(idp.url('/x')));
    expect(error.failure).toBe('not_object');
  });

  it('refuses an oversized body announced by Content-Length', async () => {
    idp.setRoute('/x', { kind: 'huge', bytes: 2_000_000, declareLength: true });
    const error = await failure(fetchJson(idp.url('/x')));
    expect(error.failure).toBe('too_large');
    expect(error.message).toBe('response larger than 1048576 bytes');
  });

  it('refuses an oversized body while streaming (no Content-Length)', async () => {
    idp.setRoute('/x', { kind: 'huge', bytes: 50_000 });
    const error = await failure(fetchJson(idp.url('/x'), { maxResponseBytes: 10_000 }));
    expect(error.failure).toBe('too_large');
    expect(error.message).toBe('response larger than 10000 bytes');
  });

  it('times out a server that never answers, within the timeout', async () => {
    idp.setRoute('/x', { kind: 'hang' });
    const started = Date.now();
    const error = await failure(fetchJson(idp.url('/x'), { timeoutMs: 300 }));
    const elapsed = Date.now() - started;
    expect(error.failure).toBe('timeout');
    expect(error.message).toBe('timed out after 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(300 + 2_000);
  });

  it('times out a server that sends headers then stalls the body', async () => {
    idp.setRoute('/x', { kind: 'stall' });
    const started = Date.now();
    const error = await failure(fetchJson(idp.url('/x'), { timeoutMs: 300 }));
    expect(error.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(300 + 2_000);
  });

  it('keeps the bound with a fetch implementation that ignores the abort signal', async () => {
    const stubborn: typeof fetch = () => new Promise<Response>(() => {});
    const error = await failure(
      fetchJson('https://auth.example.com/jwks', { fetch: stubborn, timeoutMs: 100 }),
    );
    expect(error.failure).toBe('timeout');
  });

  it('reports a refused connection as a network error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await failure(fetchJson(`http://127.0.0.1:${port}/jwks`));
    expect(error.failure).toBe('network');
    expect(error.message).toBe('request failed (network error)');
  });

  it('follows relative and absolute redirects up to the limit', async () => {
    idp.setRoute('/r1', { kind: 'redirect', location: '/r2' });
    idp.setRoute('/r2', { kind: 'redirect', location: idp.url('/r3'), status: 307 });
    idp.setRoute('/r3', { kind: 'redirect', location: idp.paths.jwks, status: 301 });
    const doc = await fetchJson(idp.url('/r1'));
    expect(doc.url).toBe(idp.jwksUri);
    expect(idp.count(idp.paths.jwks)).toBe(1);

    idp.setRoute('/r0', { kind: 'redirect', location: '/r1' });
    const error = await failure(fetchJson(idp.url('/r0')));
    expect(error.failure).toBe('redirect');
    expect(error.message).toBe('more than 3 redirects');
    expect(idp.count(idp.paths.jwks)).toBe(1);
  });

  it('applies the URL policy to redirect targets', async () => {
    idp.setRoute('/r', { kind: 'redirect', location: 'http://auth.example.com/jwks' });
    const error = await failure(fetchJson(idp.url('/r')));
    expect(error.failure).toBe('url_policy');
    idp.setRoute('/r', { kind: 'redirect', location: 'file:///etc/passwd' });
    expect((await failure(fetchJson(idp.url('/r')))).failure).toBe('url_policy');
    idp.setRoute('/r', { kind: 'status', status: 302 });
    expect((await failure(fetchJson(idp.url('/r')))).message).toBe('redirect without a Location header');
  });

  it('refuses a plain-http non-loopback URL without any request', async () => {
    let calls = 0;
    const counting: typeof fetch = async () => {
      calls++;
      return new Response('{}');
    };
    const error = await failure(fetchJson('http://auth.example.com/jwks', { fetch: counting }));
    expect(error.failure).toBe('url_policy');
    expect(calls).toBe(0);
    await fetchJson('http://auth.example.com/jwks', { fetch: counting, allowInsecureHttp: true });
    expect(calls).toBe(1);
  });

  it('refuses an opaque redirect from a browser-like fetch', async () => {
    const opaque = { type: 'opaqueredirect', status: 0, headers: new Headers(), body: null } as Response;
    const error = await failure(fetchJson('https://a.example/x', { fetch: async () => opaque }));
    expect(error.failure).toBe('redirect');
  });
});
