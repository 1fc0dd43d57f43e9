import { describe, expect, it } from 'vitest';
import {
  authorizationHeader,
  extractBearerToken,
  InvalidRequestError,
  type ScopegateError,
  UnauthorizedError,
} from '../src/index.js';

function failure(...args: Parameters<typeof extractBearerToken>): ScopegateError {
  try {
    extractBearerToken(...args);
  } catch (error) {
    return error as ScopegateError;
  }
  throw new Error('no error');
}

describe('extractBearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['BeArEr abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['Bearer a-b_c.d~e+f/g==', 'a-b_c.d~e+f/g=='],
    [['Bearer one'], 'one'],
  ])('%j -> %s', (header, token) => {
    expect(extractBearerToken(header)).toBe(token);
  });

  it.each([[undefined], [null], [''], [[]]])('no header (%j) -> 401 unauthorized without error', (header) => {
    const error = failure(header as never);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.status).toBe(401);
    expect(error.headers('api')).toEqual({ 'www-authenticate': 'Bearer realm="api"' });
    expect(error.toBody()).toEqual({
      error: 'unauthorized',
      error_description: 'a bearer token is required',
    });
  });

  it.each([
    'Basic dXNlcjpwYXNz',
    'Basic\tdXNlcjpwYXNz',
    'Digest username="x"',
    'Token abc',
    'Bearerabc',
    'Bearer-x abc',
  ])('another scheme (%s) -> 401 unauthorized without error (RFC 6750 §3.1)', (header) => {
    const error = failure(header);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.wwwAuthenticate('api')).toBe('Bearer realm="api"');
  });

  it.each([
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Bearer a,b',
    'Bearer a=b',
    'Bearer "abc"',
    'Bearer abc\t',
    'Bearer\tabc',
    'bearer\t abc',
    'Bearer äbc',
    'Bearer =abc',
  ])('malformed %j -> 400 invalid_request', (header) => {
    const error = failure(header);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.status).toBe(400);
    expect(error.toBody()).toEqual({
      error: 'invalid_request',
      error_description: 'the Authorization header is malformed: expected "Bearer <token>"',
    });
    expect(error.headers('api')['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="the Authorization header is malformed: expected \\"Bearer <token>\\""',
    );
  });

  it('repeated header -> 400', () => {
    const error = failure(['Bearer a', 'Bearer b']);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.reason).toBe('repeated_header');
  });

  it('non-string header value -> 400', () => {
    expect(failure(42 as never)).toBeInstanceOf(InvalidRequestError);
  });

  it('token in the header and the query or body -> 400', () => {
    for (const elsewhere of [
      { query: { access_token: 'x' } },
      { body: { access_token: 'x' } },
      { query: new URLSearchParams('access_token=x') },
    ]) {
      const error = failure('Bearer abc', elsewhere);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.reason).toBe('multiple_tokens');
      expect(error.message).toBe('the access token was sent in more than one place');
    }
  });

  it('token only in the query or body -> 400 asking for the header', () => {
    for (const header of [undefined, 'Basic abc']) {
      const error = failure(header, { query: { access_token: 'x' } });
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.reason).toBe('token_in_query');
      expect(error.message).toMatch(/Authorization header/);
    }
  });

  it('ignores query/body without access_token', () => {
    expect(extractBearerToken('Bearer abc', { query: { q: '1' }, body: 'text' })).toBe('abc');
    expect(extractBearerToken('Bearer abc', { query: { access_token: '' }, body: null })).toBe('abc');
    expect(extractBearerToken('Bearer abc', { query: new URLSearchParams('a=1') })).toBe('abc');
    expect(failure(undefined, { query: {}, body: {} })).toBeInstanceOf(UnauthorizedError);
  });
});

describe('authorizationHeader', () => {
  const raw = (...pairs: string[]) => pairs;

  it('returns the header Node kept when the request has one Authorization line', () => {
    const lines = raw('Host', 'x', 'Cache-Control', 'no-cache', 'Authorization', 'Bearer a');
    expect(authorizationHeader('Bearer a', lines)).toBe('Bearer a');
  });

  it('returns every value of a repeated header, whatever the case of its name', () => {
    const lines = raw('Authorization', 'Bearer a', 'Host', 'x', 'AUTHORIZATION', 'Bearer b');
    expect(authorizationHeader('Bearer a', lines)).toEqual(['Bearer a', 'Bearer b']);
    expect(failure(authorizationHeader('Bearer a', lines))).toMatchObject({
      status: 400,
      reason: 'repeated_header',
    });
  });

  it('counts only names that are Authorization (13-character names included)', () => {
    const lines = raw('Cache-Control', 'a', 'Last-Modified', 'b', 'authorization', 'Bearer a');
    expect(authorizationHeader('Bearer a', lines)).toBe('Bearer a');
  });

  it('passes the value through without raw headers, or without an Authorization header', () => {
    expect(authorizationHeader('Bearer a', undefined)).toBe('Bearer a');
    expect(authorizationHeader(undefined, raw('Host', 'x'))).toBeUndefined();
  });
});
