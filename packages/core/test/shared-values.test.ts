/**
 * Verified tokens share the values every token of a client repeats: one
 * ScopeSet per scope string, one copy of each id. Sharing must never change
 * what a token says.
 */
import { describe, expect, it } from 'vitest';
import { scopeSetOf, sharedString } from '../src/shared-values.js';
import type { ProfileName } from '../src/types.js';
import { createVerifier } from '../src/verifier.js';
import { AUDIENCE, baseClaims, ISSUER, jwksOf, NOW_MS, sign, testKey } from './support/tokens.js';

async function verifier(profile: ProfileName = 'generic') {
  const v = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: await jwksOf(testKey('ES256')),
    now: () => NOW_MS,
    profile,
    // Not the cache: two verifications of distinct tokens.
    tokenCache: false,
  });
  await v.warmup();
  return v;
}

const sorted = (set: ReadonlySet<string>) => [...set].sort();

describe('shared values of verified tokens', () => {
  it('gives two tokens with the same scope string one ScopeSet', async () => {
    const v = await verifier();
    const a = await v.verify(await sign('ES256', baseClaims({ jti: 'a' })));
    const b = await v.verify(await sign('ES256', baseClaims({ jti: 'b' })));
    expect(a.scopes).toBe(b.scopes);
    expect(sorted(a.scopes)).toEqual(['data:read', 'data:write']);
    const other = await v.verify(await sign('ES256', baseClaims({ jti: 'c', scope: 'data:read' })));
    expect(other.scopes).not.toBe(a.scopes);
    expect(sorted(other.scopes)).toEqual(['data:read']);
  });

  it('still builds the union when another scope claim counts', async () => {
    const v = await verifier();
    const plain = await v.verify(await sign('ES256', baseClaims({ jti: 'a' })));
    const withScp = await v.verify(await sign('ES256', baseClaims({ jti: 'b', scp: ['admin'] })));
    expect(withScp.scopes).not.toBe(plain.scopes);
    expect(sorted(withScp.scopes)).toEqual(['admin', 'data:read', 'data:write']);
    const auth0 = await verifier('auth0');
    const permissions = await auth0.verify(
      await sign('ES256', baseClaims({ jti: 'c', gty: 'client-credentials', permissions: ['reports:run'] })),
    );
    expect(sorted(permissions.scopes)).toEqual(['data:read', 'data:write', 'reports:run']);
    const entra = await verifier('entra');
    const roles = await entra.verify(
      await sign('ES256', baseClaims({ jti: 'd', idtyp: 'app', azp: 'app-1', roles: ['Files.Read'] })),
    );
    expect(sorted(roles.scopes)).toEqual(['Files.Read', 'data:read', 'data:write']);
    // The same scope string without the extra claim: the shared set, with only its own scopes.
    const auth0Plain = await auth0.verify(
      await sign('ES256', baseClaims({ jti: 'e', gty: 'client-credentials' })),
    );
    expect(auth0Plain.scopes).toBe(plain.scopes);
  });

  it('leaves every claim value as the token has it', async () => {
    const v = await verifier();
    const claims = baseClaims({ jti: 'a', azp: 'nightly-data-sync', cid: 'c-1', extra: { nested: true } });
    const verified = await v.verify(await sign('ES256', claims));
    expect(verified.claims).toEqual(claims);
    expect([verified.issuer, verified.subject, verified.clientId]).toEqual([
      ISSUER,
      'nightly-data-sync',
      'nightly-data-sync',
    ]);
    expect(Object.isFrozen(verified.claims)).toBe(true);
  });

  it('answers correctly past the tables bounds (they start over)', () => {
    for (let i = 0; i < 25_000; i++) {
      const scope = `s:${i} t:${i}`;
      expect(sorted(scopeSetOf(scope))).toEqual([`s:${i}`, `t:${i}`]);
      expect(sharedString(`id-${i}`)).toBe(`id-${i}`);
    }
    const long = 'x'.repeat(300);
    expect(sharedString(long)).toBe(long);
    expect(scopeSetOf(`${long} y`).has('y')).toBe(true);
  });
});
