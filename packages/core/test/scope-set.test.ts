import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createVerifier, ScopeSet } from '../src/index.js';
import { AUDIENCE, ISSUER } from './support/tokens.js';

describe('ScopeSet', () => {
  it('reads like a ReadonlySet', () => {
    const scopes = new ScopeSet(['data:read', 'data:write', 'data:read']);
    expect(scopes.size).toBe(2);
    expect(scopes.has('data:read')).toBe(true);
    expect(scopes.has('admin')).toBe(false);
    expect([...scopes]).toEqual(['data:read', 'data:write']);
    expect([...scopes.keys()]).toEqual([...scopes.values()]);
    expect([...scopes.entries()]).toEqual([
      ['data:read', 'data:read'],
      ['data:write', 'data:write'],
    ]);
    const seen: string[] = [];
    scopes.forEach((v, k, set) => {
      expect(set).toBe(scopes);
      expect(k).toBe(v);
      seen.push(v);
    });
    expect(seen).toEqual(['data:read', 'data:write']);
    expect(JSON.stringify({ scopes })).toBe('{"scopes":["data:read","data:write"]}');
    expect(inspect(scopes)).toContain('data:write');
    expect(Object.prototype.toString.call(scopes)).toBe('[object ScopeSet]');
  });

  it('cannot be changed, not even through Set.prototype', () => {
    const scopes = new ScopeSet(['data:read']);
    expect(() => Set.prototype.add.call(scopes, 'admin')).toThrow(TypeError);
    expect(() => Set.prototype.delete.call(scopes, 'data:read')).toThrow(TypeError);
    expect(() => Set.prototype.clear.call(scopes)).toThrow(TypeError);
    expect(() => Object.assign(scopes, { has: () => true })).toThrow(TypeError);
    expect(scopes.has('admin')).toBe(false);
    expect(scopes.size).toBe(1);
  });
});

it('a handler cannot widen the scopes that later requests with the same (cached) token get', async () => {
  const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k' };
  const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk as never] } });
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'c',
    client_id: 'c',
    scope: 'data:read',
    exp: now + 60,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k' })
    .sign(privateKey);
  const first = await verifier.verify(token);
  expect(() => Set.prototype.add.call(first.scopes, 'admin')).toThrow();
  const again = await verifier.authorize(`Bearer ${token}`, { scopes: ['admin'] });
  expect(again.ok).toBe(false);
});
