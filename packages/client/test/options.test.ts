import {
  createTokenClient,
  type RetryOptions,
  type TokenClientBaseOptions,
  TokenClientConfigurationError,
  type TokenClientOptions,
} from '@scopegate/client';
import { describe, expect, it } from 'vitest';
import { RETRY_OPTION_KEYS, TOKEN_CLIENT_OPTION_KEYS } from '../src/options.js';

const ok = { tokenUrl: 'https://auth.example.com/token', clientId: 'w', clientSecret: 's' };

describe('createTokenClient option validation', () => {
  it('accepts a minimal configuration without touching the network', () => {
    let called = 0;
    const client = createTokenClient({
      ...ok,
      fetch: async () => {
        called++;
        return new Response();
      },
    });
    expect(client.clientId).toBe('w');
    expect(client.authMethod).toBe('client_secret_basic');
    expect(called).toBe(0);
  });

  it.each([
    ['http on loopback', { ...ok, tokenUrl: 'http://127.0.0.1:8080/token' }],
    ['http on localhost', { ...ok, tokenUrl: 'http://localhost/token' }],
    ['http on [::1]', { ...ok, tokenUrl: 'http://[::1]:9000/token' }],
    ['http on 127.255.0.9', { ...ok, tokenUrl: 'http://127.255.0.9/token' }],
    ['http on LOCALHOST (host names are case-insensitive)', { ...ok, tokenUrl: 'http://LOCALHOST/token' }],
    [
      'http anywhere with allowInsecureHttp',
      { ...ok, tokenUrl: 'http://auth.internal/token', allowInsecureHttp: true },
    ],
    ['a URL object', { ...ok, tokenUrl: new URL('https://auth.example.com/token') }],
    ['an issuer', { issuer: 'https://auth.example.com/', clientId: 'w', clientSecret: 's' }],
    ['client_secret_post', { ...ok, authMethod: 'client_secret_post' }],
  ])('accepts %s', (_name, options) => {
    expect(() => createTokenClient(options as TokenClientOptions)).not.toThrow();
  });

  it.each([
    [
      'neither tokenUrl nor issuer',
      { clientId: 'w', clientSecret: 's' },
      /exactly one of tokenUrl or issuer/,
    ],
    ['both tokenUrl and issuer', { ...ok, issuer: 'https://auth.example.com' }, /exactly one/],
    ['a relative tokenUrl', { ...ok, tokenUrl: '/token' }, /tokenUrl is not an absolute URL/],
    ['http on a public host', { ...ok, tokenUrl: 'http://auth.example.com/token' }, /must use https/],
    [
      'an http issuer',
      { issuer: 'http://auth.example.com', clientId: 'w', clientSecret: 's' },
      /issuer must use https/,
    ],
    ['ftp', { ...ok, tokenUrl: 'ftp://auth.example.com/token' }, /must use https/],
    // Only the documented loopback set: localhost, 127.0.0.0/8, [::1].
    ['http on a *.localhost name', { ...ok, tokenUrl: 'http://auth.localhost/token' }, /must use https/],
    ['http on localhost. (trailing dot)', { ...ok, tokenUrl: 'http://localhost./token' }, /must use https/],
    [
      'http on localhost.example.com',
      { ...ok, tokenUrl: 'http://localhost.example.com/t' },
      /must use https/,
    ],
    ['http on 128.0.0.1', { ...ok, tokenUrl: 'http://128.0.0.1/token' }, /must use https/],
    ['http on IPv4-mapped loopback', { ...ok, tokenUrl: 'http://[::ffff:127.0.0.1]/t' }, /must use https/],
    [
      'an http issuer on a *.localhost name',
      { issuer: 'http://auth.localhost', clientId: 'w', clientSecret: 's' },
      /issuer must use https/,
    ],
    ['credentials in the URL', { ...ok, tokenUrl: 'https://u:p@auth.example.com/token' }, /credentials/],
    ['a fragment', { ...ok, tokenUrl: 'https://auth.example.com/token#x' }, /fragment/],
    ['an empty clientId', { ...ok, clientId: '' }, /clientId must be a non-empty string/],
    ['a missing clientSecret', { ...ok, clientSecret: undefined }, /clientSecret must be a non-empty string/],
    [
      'a lone surrogate in the secret',
      { ...ok, clientSecret: 'a\ud800b' },
      /clientSecret is not well-formed/,
    ],
    ['an unknown authMethod', { ...ok, authMethod: 'private_key_jwt' }, /authMethod/],
    ['a scope with a quote', { ...ok, scope: ['ok', 'b"ad'] }, /scope values/],
    ['an empty scope entry', { ...ok, scope: ['ok', ''] }, /scope values/],
    ['an empty resource', { ...ok, resource: [''] }, /resource must be/],
    ['a negative skew', { ...ok, expirySkewSec: -1 }, /expirySkewSec/],
    ['a zero timeout', { ...ok, timeoutMs: 0 }, /timeoutMs/],
    [
      'a negative refresh failure cooldown',
      { ...ok, refreshFailureCooldownMs: -1 },
      /refreshFailureCooldownMs/,
    ],
    [
      'a negative invalid-token retry age',
      { ...ok, invalidTokenRetryMinAgeMs: -1 },
      /invalidTokenRetryMinAgeMs/,
    ],
    ['NaN defaultExpiresInSec', { ...ok, defaultExpiresInSec: Number.NaN }, /defaultExpiresInSec/],
    ['0 attempts', { ...ok, retry: { attempts: 0 } }, /retry.attempts/],
    ['fractional attempts', { ...ok, retry: { attempts: 1.5 } }, /retry.attempts must be an integer/],
    ['extraParams overriding grant_type', { ...ok, extraParams: { grant_type: 'password' } }, /grant_type/],
    ['extraParams setting scope', { ...ok, extraParams: { scope: 'x' } }, /"scope"/],
    ['a non-function fetch', { ...ok, fetch: 'no' }, /fetch must be a function/],
    ['a non-function onRefreshError', { ...ok, onRefreshError: 'log' }, /onRefreshError must be a function/],
  ])('rejects %s', (_name, options, message) => {
    expect(() => createTokenClient(options as unknown as TokenClientOptions)).toThrow(
      TokenClientConfigurationError,
    );
    expect(() => createTokenClient(options as unknown as TokenClientOptions)).toThrow(message);
  });

  // Values of the wrong type (plain JavaScript callers, JSON config) get the
  // configuration error naming the option, never a raw TypeError.
  it.each([
    ['scope: 5', { scope: 5 }, /^scope must be/],
    ['scope: {}', { scope: {} }, /^scope must be/],
    ['scope: null', { scope: null }, /^scope must be/],
    ['scope: [5]', { scope: [5] }, /^scope values/],
    ['resource: 5', { resource: 5 }, /^resource must be/],
    ['resource: {}', { resource: {} }, /^resource must be/],
    ['resource: [5]', { resource: [5] }, /^resource must be/],
    ['audience: 5', { audience: 5 }, /^audience must be/],
    ['tokenUrl: 5', { tokenUrl: 5 }, /^tokenUrl must be a string or a URL/],
    ['tokenUrl: {}', { tokenUrl: {} }, /^tokenUrl must be a string or a URL/],
    ['extraParams: a number value', { extraParams: { tenant: 5 } }, /^extraParams\.tenant must be/],
    ['extraParams: an object value', { extraParams: { tenant: {} } }, /^extraParams\.tenant must be/],
    ['extraParams: a null value', { extraParams: { tenant: null } }, /^extraParams\.tenant must be/],
    ['extraParams: [5]', { extraParams: { tenant: ['a', 5] } }, /^extraParams\.tenant must be/],
    ['extraParams: a string', { extraParams: 'tenant=a' }, /^extraParams must be an object/],
    ['extraParams: an array', { extraParams: [['tenant', 'a']] }, /^extraParams must be an object/],
    ['retry: 5', { retry: 5 }, /^retry must be an object/],
    ['retry.attempts: "3"', { retry: { attempts: '3' } }, /^retry\.attempts must be/],
    ['allowInsecureHttp: "yes"', { allowInsecureHttp: 'yes' }, /^allowInsecureHttp must be a boolean/],
    ['expirySkewSec: "60"', { expirySkewSec: '60' }, /^expirySkewSec must be/],
    ['clientSecret: 5', { clientSecret: 5 }, /^clientSecret must be/],
  ])('rejects a wrong type: %s', (_name, extra, message) => {
    const secret = 'do-not-echo-this-secret';
    let error: unknown;
    try {
      createTokenClient({ ...ok, clientSecret: secret, ...extra } as unknown as TokenClientOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenClientConfigurationError);
    expect(error).toMatchObject({ code: 'configuration_error' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(secret);
  });

  it('accepts an empty extraParams string value and a null extraParams', () => {
    expect(() => createTokenClient({ ...ok, extraParams: { tenant: '' } })).not.toThrow();
    expect(() =>
      createTokenClient({ ...ok, extraParams: null } as unknown as TokenClientOptions),
    ).not.toThrow();
  });
});

describe('unknown option names', () => {
  const secret = 'do-not-echo-this-secret';

  /** The error `run` throws (or rejects with), checked to be the configuration error. */
  async function configurationError(run: () => unknown): Promise<Error> {
    let error: unknown;
    try {
      await run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenClientConfigurationError);
    expect(error).toMatchObject({ code: 'configuration_error' });
    return error as Error;
  }

  const create = (extra: Record<string, unknown>) => () =>
    createTokenClient({ ...ok, clientSecret: secret, ...extra } as unknown as TokenClientOptions);

  it('refuses an unknown top-level option, naming it and not its value', async () => {
    const error = await configurationError(create({ colour: secret }));
    expect(error.message).toBe('unknown option `colour` in createTokenClient options');
    expect(error.message).not.toContain(secret);
  });

  it.each([
    ['clientSecrt', 'clientSecret'],
    ['timeoutMS', 'timeoutMs'],
    ['clientsecret', 'clientSecret'],
    ['scopes', 'scope'],
    ['allowInsecureHTTP', 'allowInsecureHttp'],
    ['expirySkewSecs', 'expirySkewSec'],
  ])('suggests the close name for %s', async (key, suggestion) => {
    const error = await configurationError(create({ [key]: secret }));
    expect(error.message).toBe(
      `unknown option \`${key}\` in createTokenClient options; did you mean \`${suggestion}\`?`,
    );
    expect(error.message).not.toContain(secret);
  });

  it('reports a misspelt required option as unknown, not as missing', async () => {
    const { clientSecret: _, ...withoutSecret } = ok;
    const error = await configurationError(() =>
      createTokenClient({ ...withoutSecret, clientSecrt: secret } as unknown as TokenClientOptions),
    );
    expect(error.message).toMatch(/^unknown option `clientSecrt`.*did you mean `clientSecret`\?$/);
    const url = await configurationError(() =>
      createTokenClient({ clientId: 'w', clientSecret: secret, tokenURL: 'https://a.example/t' } as never),
    );
    expect(url.message).toMatch(/^unknown option `tokenURL`.*did you mean `tokenUrl`\?$/);
  });

  it('makes no suggestion for a name far from every option', async () => {
    const error = await configurationError(create({ foo: 1 }));
    expect(error.message).toBe('unknown option `foo` in createTokenClient options');
  });

  it('refuses an unknown key even when its value is undefined', async () => {
    const error = await configurationError(create({ timeoutMS: undefined }));
    expect(error.message).toMatch(/^unknown option `timeoutMS`/);
  });

  it('names every unknown key at once', async () => {
    const error = await configurationError(create({ clientSecrt: secret, colour: secret }));
    expect(error.message).toBe(
      'unknown options `clientSecrt` (did you mean `clientSecret`?), `colour` in createTokenClient options',
    );
  });

  it('escapes and shortens odd keys instead of printing them raw', async () => {
    const error = await configurationError(create({ 'a\nb': 1, ['x'.repeat(200)]: 1 }));
    expect(error.message).toContain('`a\\nb`');
    expect(error.message).toContain(`\`${'x'.repeat(64)}…\``);
    expect(error.message).not.toContain('x'.repeat(65));
  });

  it('refuses an unknown key inside retry, with a suggestion', async () => {
    const error = await configurationError(create({ retry: { attemps: 2, maxTotalMs: 100 } }));
    expect(error.message).toBe(
      'unknown option `attemps` in createTokenClient options.retry; did you mean `attempts`?',
    );
  });

  it('ignores symbol keys and inherited properties', () => {
    const inherited = Object.assign(Object.create({ colour: 'red' }), ok, { [Symbol('tag')]: 1 });
    expect(() => createTokenClient(inherited)).not.toThrow();
  });

  it('does not check the names inside extraParams (they are free-form parameters)', () => {
    expect(() => createTokenClient({ ...ok, extraParams: { tenant: 'a', clientSecrt: 'b' } })).not.toThrow();
  });

  it('accepts every documented option, of both tokenUrl and issuer forms', () => {
    const all: Required<TokenClientBaseOptions> = {
      clientId: 'w',
      clientSecret: 's',
      scope: ['a', 'b'],
      audience: 'https://api.example.com',
      resource: ['https://api.example.com'],
      authMethod: 'client_secret_post',
      expirySkewSec: 30,
      defaultExpiresInSec: 120,
      maxExpiresInSec: 3600,
      refreshFailureCooldownMs: 1000,
      onRefreshError: () => {},
      invalidTokenRetryMinAgeMs: 1000,
      timeoutMs: 500,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 100 } satisfies Required<RetryOptions>,
      fetch: async () => new Response(),
      now: () => 0,
      extraParams: { tenant: 'a' },
      allowInsecureHttp: true,
    };
    expect(() => createTokenClient({ ...all, tokenUrl: 'https://auth.example.com/token' })).not.toThrow();
    expect(() => createTokenClient({ ...all, issuer: 'https://auth.example.com' })).not.toThrow();
    // `all` (complete by its type) covers exactly the lists of accepted names.
    expect(Object.keys({ ...all, tokenUrl: '', issuer: '' }).sort()).toEqual(
      [...TOKEN_CLIENT_OPTION_KEYS].sort(),
    );
    expect(Object.keys(all.retry).sort()).toEqual([...RETRY_OPTION_KEYS].sort());
  });

  it('accepts known keys whose value is undefined', () => {
    expect(() =>
      createTokenClient({ ...ok, scope: undefined, retry: { attempts: undefined } }),
    ).not.toThrow();
  });

  it('rejects getToken and getTokenResponse with an unknown per-call option, before any request', async () => {
    let requests = 0;
    const client = createTokenClient({
      ...ok,
      fetch: async () => {
        requests++;
        return Response.json({ access_token: 't', token_type: 'Bearer', expires_in: 60 });
      },
    });
    const signal = new AbortController().signal;
    const error = await configurationError(() => client.getToken({ signl: signal } as never));
    expect(error.message).toBe('unknown option `signl` in getToken options; did you mean `signal`?');
    const response = await configurationError(() => client.getTokenResponse({ timeoutMs: 5 } as never));
    expect(response.message).toBe('unknown option `timeoutMs` in getTokenResponse options');
    expect(requests).toBe(0);
    await expect(client.getToken({ signal })).resolves.toBe('t');
    await expect(client.getToken()).resolves.toBe('t');
    expect(requests).toBe(1);
  });
});
