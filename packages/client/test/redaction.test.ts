import { inspect } from 'node:util';
import {
  createTokenClient,
  DiscoveryError,
  InvalidClientError,
  TokenClientConfigurationError,
  TokenClientError,
  TokenEndpointError,
  TokenRequestError,
  TokenResponseError,
  TokenTimeoutError,
} from '@scopegate/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { basicAuthorization, formUrlEncode } from '../src/client-authentication.js';
import { fastRetry, type Reply, startTokenServer, type TokenServer } from './token-server.js';

const CLIENT_ID = 'redaction-worker';
const SECRET = 'Sup3r:Secret%+ üñí/Value';
const TOKEN = 'eyTOKENpart1.eyTOKENpart2.SIGNATUREpart3';
// Every form the secret takes on the wire.
const SENSITIVE = [
  SECRET,
  formUrlEncode(SECRET),
  basicAuthorization(CLIENT_ID, SECRET).slice('Basic '.length),
  encodeURIComponent(SECRET),
  TOKEN,
];

function expectNoSensitive(label: string, text: string): void {
  for (const value of SENSITIVE) {
    if (text.includes(value)) throw new Error(`${label} leaks a sensitive value`);
  }
}

/** Every rendering of an error a log pipeline might produce. */
function renderings(error: unknown): Record<string, string> {
  const e = error as Error & Record<string, unknown>;
  return {
    message: e.message,
    string: String(e),
    stack: e.stack ?? '',
    inspect: inspect(e, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    json: JSON.stringify(e, Object.getOwnPropertyNames(e)),
    fields: JSON.stringify(Object.fromEntries(Object.entries(e))),
    cause: inspect(e.cause, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  };
}

function expectRedacted(error: unknown): void {
  expect(error).toBeInstanceOf(TokenClientError);
  for (const [how, text] of Object.entries(renderings(error)))
    expectNoSensitive(`${how} of ${String(error)}`, text);
}

let server: TokenServer;
const logged: unknown[] = [];
beforeAll(async () => {
  server = await startTokenServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  // The client never logs anything.
  expect(logged).toEqual([]);
});

const options = (extra: Record<string, unknown> = {}) => ({
  tokenUrl: server.tokenUrl,
  clientId: CLIENT_ID,
  clientSecret: SECRET,
  retry: fastRetry,
  ...extra,
});

/** Gets TOKEN first (so the client knows it), then makes the refresh fail with `reply`. */
async function failWith(reply: Reply, extra: Record<string, unknown> = {}) {
  server.handler = () => ({ json: { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 } });
  const client = createTokenClient(options(extra));
  expect(await client.getToken()).toBe(TOKEN);
  client.invalidate();
  server.handler = () => reply;
  return client.getToken().then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

// The server echoes everything it got back, the worst case for a leak.
const echo = `secret=${SECRET} basic=${SENSITIVE[2]} token=${TOKEN}`;

describe('the client object', () => {
  it('util.inspect and JSON.stringify show neither the secret nor the token', async () => {
    server.handler = () => ({
      json: { access_token: TOKEN, token_type: 'Bearer', expires_in: 60, scope: 'a' },
    });
    const client = createTokenClient(options());
    expect(await client.getToken()).toBe(TOKEN);
    for (const text of [
      inspect(client),
      inspect(client, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      inspect(client, { customInspect: false, depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(client),
      String(client),
      `${client}`,
    ]) {
      expectNoSensitive('client rendering', text);
    }
    expect(inspect(client)).toContain("clientSecret: '[redacted]'");
    expect(inspect(client)).toContain(`clientId: '${CLIENT_ID}'`);
    expect(JSON.parse(JSON.stringify(client))).toMatchObject({
      tokenUrl: server.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: '[redacted]',
      authMethod: 'client_secret_basic',
      token: { accessToken: '[redacted]', scope: 'a' },
    });
  });

  it('the TokenResponse shows metadata but not the token', async () => {
    server.handler = () => ({ json: { access_token: TOKEN, token_type: 'Bearer', expires_in: 60 } });
    const response = await createTokenClient(options()).getTokenResponse();
    expect(response.accessToken).toBe(TOKEN);
    for (const text of [
      inspect(response, { showHidden: true }),
      inspect(response, { customInspect: false, showHidden: true }),
      JSON.stringify(response),
      inspect({ nested: response }),
    ]) {
      expectNoSensitive('token response rendering', text);
    }
    expect(JSON.parse(JSON.stringify(response))).toMatchObject({
      accessToken: '[redacted]',
      expiresInSec: 60,
    });
  });
});

describe('no error type carries the secret or the token', () => {
  it('TokenClientConfigurationError', () => {
    let error: unknown;
    try {
      createTokenClient({
        ...options(),
        tokenUrl: `ftp://x/${SECRET}`,
        extraParams: { client_secret: SECRET },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenClientConfigurationError);
    expectRedacted(error);
  });

  it('InvalidClientError whose description, error_uri and error code echo the credentials', async () => {
    const error = await failWith({
      status: 401,
      json: { error: 'invalid_client', error_description: echo, error_uri: `https://x/?s=${SECRET}` },
    });
    expect(error).toBeInstanceOf(InvalidClientError);
    expect((error as InvalidClientError).errorDescription).toContain('[redacted]');
    expectRedacted(error);
  });

  it('InvalidClientError whose description echoes the secret percent-encoded by encodeURIComponent', async () => {
    expect(encodeURIComponent(SECRET)).not.toBe(formUrlEncode(SECRET));
    const error = await failWith({
      status: 401,
      json: { error: 'invalid_client', error_description: `got client_secret=${encodeURIComponent(SECRET)}` },
    });
    expect(error).toBeInstanceOf(InvalidClientError);
    expect((error as InvalidClientError).errorDescription).toBe('got client_secret=[redacted]');
    expectRedacted(error);
  });

  it('TokenEndpointError whose error code is the secret itself', async () => {
    const error = await failWith({ status: 400, json: { error: `x ${formUrlEncode(SECRET)}` } });
    expect(error).toBeInstanceOf(TokenEndpointError);
    expectRedacted(error);
  });

  it.each([
    ['token_type mac', { json: { access_token: TOKEN, token_type: 'mac' } }],
    ['token_type equal to the token', { json: { access_token: 'Abc', token_type: 'Abc' } }],
    ['token_type echoing the secret', { json: { access_token: TOKEN, token_type: SECRET } }],
    ['a token with a space', { json: { access_token: `${TOKEN} x`, token_type: 'Bearer' } }],
    ['a non-JSON body echoing everything', { body: echo }],
    ['an HTML error echoing everything', { status: 400, body: echo }],
  ])('TokenResponseError for %s', async (_name, reply) => {
    const error = await failWith(reply);
    expect(error).toBeInstanceOf(TokenResponseError);
    expectRedacted(error);
  });

  it('TokenRequestError after 503s echoing everything', async () => {
    const error = await failWith({ status: 503, json: { error: 'server_error', error_description: echo } });
    expect(error).toBeInstanceOf(TokenRequestError);
    expectRedacted(error);
  });

  it('TokenRequestError for a network error (cause included)', async () => {
    const dead = await startTokenServer();
    await dead.close();
    const client = createTokenClient(options({ tokenUrl: dead.tokenUrl }));
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(inspect(error)).toContain('ECONNREFUSED');
    expectRedacted(error);
  });

  it('TokenRequestError whose network-error cause has a code echoing the secret', async () => {
    const failing = () =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('socket closed'), { code: `E_${SECRET}` }),
        }),
      );
    const client = createTokenClient(options({ fetch: failing }));
    const networkError = await client.getToken().catch((e: unknown) => e);
    expect(networkError).toBeInstanceOf(TokenRequestError);
    const cause = (networkError as Error).cause as Error & { cause: Error & { code: string } };
    expect(cause.cause.code).toBe('E_[redacted]');
    expectRedacted(networkError);
  });

  it('TokenTimeoutError', async () => {
    const error = await failWith(
      { json: { access_token: TOKEN, token_type: 'Bearer' }, delayMs: 500 },
      { timeoutMs: 100, retry: { ...fastRetry, attempts: 1 } },
    );
    expect(error).toBeInstanceOf(TokenTimeoutError);
    expectRedacted(error);
  });

  it('DiscoveryError', async () => {
    server.handler = () => ({ json: { issuer: echo, token_endpoint: `https://x/${SECRET}` } });
    const client = createTokenClient({ issuer: server.origin, clientId: CLIENT_ID, clientSecret: SECRET });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expectRedacted(error);
  });

  it('the self-check catches a leak (it can fail)', () => {
    expect(() => expectNoSensitive('probe', `x ${SECRET} y`)).toThrow(/leaks/);
    expect(() => expectNoSensitive('probe', `x ${TOKEN} y`)).toThrow(/leaks/);
  });
});
