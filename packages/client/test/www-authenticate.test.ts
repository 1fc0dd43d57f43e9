import { describe, expect, it } from 'vitest';
import { bearerError, parseChallenges } from '../src/www-authenticate.js';

describe('bearerError', () => {
  it.each([
    ['Bearer error="invalid_token"', 'invalid_token'],
    ['Bearer realm="api", error="invalid_token", error_description="jwt expired"', 'invalid_token'],
    ['bearer ERROR=invalid_token', 'invalid_token'],
    ['Bearer realm="a, b", error = "invalid_token"', 'invalid_token'],
    ['Basic realm="x", Bearer error="insufficient_scope", scope="a b"', 'insufficient_scope'],
    ['DPoP error="invalid_token"', undefined],
    ['Bearer realm="api", error_description="see error=invalid_token"', undefined],
    ['Bearer realm="say \\"error=invalid_token\\""', undefined],
    ['Bearer', undefined],
    ['', undefined],
  ])('%s -> %s', (header, expected) => {
    expect(bearerError(header)).toBe(expected);
  });

  it('handles null', () => {
    expect(bearerError(null)).toBeUndefined();
  });

  it('parses several challenges with their parameters', () => {
    const challenges = parseChallenges(
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
    );
    expect(challenges).toEqual([
      {
        scheme: 'newauth',
        params: new Map([
          ['realm', 'apps'],
          ['type', '1'],
          ['title', 'Login to "apps"'],
        ]),
      },
      { scheme: 'basic', params: new Map([['realm', 'simple']]) },
    ]);
  });
});
