import { describe, expect, it } from 'vitest';
import {
  allOf,
  anyOf,
  ConfigurationError,
  checkRequirement,
  compileRequirement,
  InsufficientScopeError,
  ScopeSet,
  SubjectTypeNotAllowedError,
  scopeRequirement,
  scopesSatisfy,
  type VerifiedToken,
} from '../src/index.js';

function auth(scopes: string[], subjectType: 'client' | 'user' = 'client'): VerifiedToken {
  return {
    token: 't',
    header: { alg: 'RS256' },
    claims: {},
    issuer: 'i',
    subject: 's',
    subjectType,
    clientId: 's',
    scopes: new ScopeSet(scopes),
    expiresAt: 0,
  };
}

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('builders', () => {
  it('allOf / anyOf / scopeRequirement produce frozen requirements', () => {
    const all = allOf('a', 'b');
    expect(all).toEqual({ mode: 'all', scopes: ['a', 'b'], match: 'exact' });
    expect(Object.isFrozen(all)).toBe(true);
    expect(Object.isFrozen(all.scopes)).toBe(true);
    expect(anyOf('x')).toEqual({ mode: 'any', scopes: ['x'], match: 'exact' });
    expect(scopeRequirement({ scopes: ['d:*'], match: 'wildcard' })).toEqual({
      mode: 'all',
      scopes: ['d:*'],
      match: 'wildcard',
    });
    expect(scopeRequirement({ mode: 'any', scopes: ['a'] }).mode).toBe('any');
  });

  it.each([
    ['anyOf()', () => anyOf()],
    ['a scope with a space', () => allOf('a b')],
    ['an empty scope', () => allOf('')],
    ['a non-string', () => allOf(5 as never)],
    ['a bad match', () => scopeRequirement({ scopes: ['a'], match: 'regex' as never })],
    ['a bad mode', () => scopeRequirement({ scopes: ['a'], mode: 'some' as never })],
    ['scopes not an array', () => scopeRequirement({ scopes: 'a' as never })],
  ])('rejects %s with ConfigurationError', (_n, fn) => {
    expect(thrown(fn)).toBeInstanceOf(ConfigurationError);
  });

  it('allOf() with no scopes accepts any token', () => {
    expect(scopesSatisfy(new ScopeSet(), allOf())).toBe(true);
  });
});

describe('exact matching', () => {
  it('all-of needs every scope, any-of one', () => {
    const granted = new ScopeSet(['data:read', 'reports:read']);
    expect(scopesSatisfy(granted, allOf('data:read', 'reports:read'))).toBe(true);
    expect(scopesSatisfy(granted, allOf('data:read', 'data:write'))).toBe(false);
    expect(scopesSatisfy(granted, anyOf('admin', 'reports:read'))).toBe(true);
    expect(scopesSatisfy(granted, anyOf('admin', 'data:write'))).toBe(false);
  });
  it('is case-sensitive and never treats * as a wildcard', () => {
    expect(scopesSatisfy(new ScopeSet(['Data:Read']), allOf('data:read'))).toBe(false);
    expect(scopesSatisfy(new ScopeSet(['data:*']), allOf('data:read'))).toBe(false);
  });
});

describe('wildcard matching', () => {
  const cases: [string, string, boolean][] = [
    ['data:*', 'data:read', true],
    ['data:*', 'data:read:all', true],
    ['data:*', 'data', false],
    ['data:*', 'data:', false],
    ['data:*', 'data.read', false],
    ['data.*', 'data.read', true],
    ['data:*:read', 'data:x:read', true],
    ['data:*:read', 'data:x:write', false],
    ['data:*:read', 'data:x:read:more', false],
    ['data:*:read', 'data::read', false],
    ['https://api.example.com/*', 'https://api.example.com/orders.read', true],
    ['da*', 'data', false],
    ['da*', 'da*', true],
    ['*', 'anything', false],
    ['*', '*', true],
    ['other:*', 'data:read', false],
    ['data:read', 'data:read', true],
  ];
  it.each(cases)('granted %s, required %s -> %s', (granted, required, expected) => {
    const requirement = scopeRequirement({ scopes: [required], match: 'wildcard' });
    expect(scopesSatisfy(new ScopeSet([granted]), requirement)).toBe(expected);
  });
});

describe('checkRequirement', () => {
  it('passes and throws InsufficientScopeError carrying scopes and mode', () => {
    expect(() => checkRequirement(auth(['a', 'b']), { scopes: ['a', 'b'] })).not.toThrow();
    const all = thrown(() => checkRequirement(auth(['a']), { scopes: ['a', 'b'] })) as InsufficientScopeError;
    expect(all).toBeInstanceOf(InsufficientScopeError);
    expect(all.requiredScopes).toEqual(['a', 'b']);
    expect(all.mode).toBe('all');
    expect(all.status).toBe(403);
    expect(all.headers('api')).toEqual({
      'www-authenticate': 'Bearer realm="api", error="insufficient_scope", scope="a b"',
    });
    const any = thrown(() =>
      checkRequirement(auth(['z']), { anyScope: ['x', 'y'] }),
    ) as InsufficientScopeError;
    expect(any.mode).toBe('any');
    expect(any.requiredScopes).toEqual(['x', 'y']);
    expect(any.message).toBe('the token lacks a required scope (requires one of: x y)');
  });

  it('combines scopes and anyScope', () => {
    const req = { scopes: ['a'], anyScope: ['b', 'c'] };
    expect(() => checkRequirement(auth(['a', 'c']), req)).not.toThrow();
    expect(thrown(() => checkRequirement(auth(['a']), req))).toBeInstanceOf(InsufficientScopeError);
    expect(thrown(() => checkRequirement(auth(['c']), req))).toBeInstanceOf(InsufficientScopeError);
  });

  it('accepts prepared requirements and honours their own mode', () => {
    expect(() => checkRequirement(auth(['b']), { scopes: anyOf('a', 'b') })).not.toThrow();
  });

  it('checks the subject type first', () => {
    const error = thrown(() =>
      checkRequirement(auth([], 'user'), { subjectType: 'client', scopes: ['a'] }),
    ) as SubjectTypeNotAllowedError;
    expect(error).toBeInstanceOf(SubjectTypeNotAllowedError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('insufficient_scope');
    expect(error.required).toEqual(['client']);
    expect(() => checkRequirement(auth([], 'user'), { subjectType: ['client', 'user'] })).not.toThrow();
  });

  it('applies the default match to lists and allOf/anyOf, not to explicit requirements', () => {
    const granted = auth(['data:*']);
    expect(() => checkRequirement(granted, { scopes: ['data:read'] }, 'wildcard')).not.toThrow();
    expect(() => checkRequirement(granted, { scopes: allOf('data:read') }, 'wildcard')).not.toThrow();
    expect(() => checkRequirement(granted, { anyScope: ['x', 'data:read'] }, 'wildcard')).not.toThrow();
    expect(thrown(() => checkRequirement(granted, { scopes: allOf('data:read') }))).toBeInstanceOf(
      InsufficientScopeError,
    );
    const explicit = scopeRequirement({ scopes: ['data:read'], match: 'exact' });
    expect(thrown(() => checkRequirement(granted, { scopes: explicit }, 'wildcard'))).toBeInstanceOf(
      InsufficientScopeError,
    );
  });

  it('compiles a requirement object once', () => {
    const req = { scopes: ['a'] };
    expect(compileRequirement(req)).toBe(compileRequirement(req));
    expect(compileRequirement(req, 'wildcard')).not.toBe(compileRequirement(req, 'exact'));
  });

  it.each([
    ['null', null],
    ['bad subjectType', { subjectType: 'robot' }],
    ['empty subjectType list', { subjectType: [] }],
    ['bad scopes object', { scopes: { mode: 'most', scopes: [] } }],
    ['empty anyScope', { anyScope: [] }],
  ])('rejects an invalid requirement (%s)', (_n, req) => {
    expect(thrown(() => checkRequirement(auth([]), req as never))).toBeInstanceOf(ConfigurationError);
  });
});
