/**
 * The authorization server's view of a token (RFC 7662 introspection) and
 * scopegate's verifier agree: accepted <=> active and meant for this API.
 *
 * oidc-provider's own introspection endpoint refuses JWT access tokens (it
 * does not store them); the example AS therefore answers RFC 7662 for its JWTs
 * at a second endpoint, implemented with plain `jose` against its own keys,
 * independent of scopegate. Both facts are asserted here. What this cannot
 * catch: a fault scopegate shares with jose itself (jose is scopegate's
 * reference too); the differential test in packages/core covers the decisions
 * where the two implementations differ.
 */
import { createVerifier, isScopegateError, type VerifiedToken, type Verifier } from '@scopegate/core';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizationServer } from '../examples/authorization-server/index.js';
import { startAuthorizationServer } from '../examples/authorization-server/index.js';
import { clientCredentialsToken } from '../examples/demo/http.js';

let as: AuthorizationServer;
let verifier: Verifier;

interface Introspection {
  active: boolean;
  aud?: string | string[];
  client_id?: string;
  sub?: string;
  scope?: string;
  exp?: number;
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function introspect(
  token: string,
  url = as.introspectionUrl,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: basic('reporting', 'reporting-dev-secret'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }),
  });
  return { status: res.status, body: await res.json() };
}

async function verdict(token: string): Promise<VerifiedToken | string> {
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (isScopegateError(error)) return error.code;
    throw error;
  }
}

/** Asserts that introspection and the verifier agree on `token`; returns both answers. */
async function expectAgreement(token: string) {
  const { status, body } = await introspect(token);
  expect(status).toBe(200);
  const info = body as Introspection;
  const decided = await verdict(token);
  const auds = info.aud === undefined ? [] : ([] as string[]).concat(info.aud);
  const activeForUs = info.active && auds.includes(as.audience);
  expect(typeof decided !== 'string').toBe(activeForUs);
  if (typeof decided !== 'string') {
    expect(info.client_id).toBe(decided.clientId);
    expect(info.sub).toBe(decided.subject);
    expect(info.exp).toBe(decided.expiresAt);
    expect(new Set(info.scope?.split(' ') ?? [])).toEqual(new Set(decided.scopes));
  }
  return { info, decided };
}

beforeAll(async () => {
  as = await startAuthorizationServer();
  verifier = createVerifier({ issuer: as.issuer, audience: as.audience });
});

afterAll(async () => {
  await as?.close();
});

describe('introspection agrees with the verifier', () => {
  it('machine tokens: active and accepted, with the same client, subject, scopes and expiry', async () => {
    for (const [clientId, scope] of [
      ['nightly-data-sync', 'data:read data:write'],
      ['reporting', 'data:read reports:read'],
    ] as const) {
      const { access_token } = await clientCredentialsToken(as, clientId, { scope });
      const { info, decided } = await expectAgreement(access_token);
      expect(info.active).toBe(true);
      expect(typeof decided === 'string' ? decided : decided.subjectType).toBe('client');
    }
  });

  it('a user token: active and accepted, and the verifier calls it a user', async () => {
    const { access_token } = await as.mintUserToken({ sub: 'user-bob', scope: 'data:read' });
    const { info, decided } = await expectAgreement(access_token);
    expect(info.active).toBe(true);
    expect(typeof decided === 'string' ? decided : decided.subjectType).toBe('user');
  });

  it('a token for another resource: active at the AS, but not for this audience, and refused', async () => {
    const { access_token } = await clientCredentialsToken(as, 'reporting', {
      scope: 'data:read',
      resource: as.otherAudience,
    });
    const { info, decided } = await expectAgreement(access_token);
    expect(info.active).toBe(true);
    expect(info.aud).toBe(as.otherAudience);
    expect(decided).toBe('invalid_token');
  });

  it('a forged token (right kid, wrong key): inactive and refused', async () => {
    const { access_token } = await clientCredentialsToken(as, 'nightly-data-sync', { scope: 'data:read' });
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(decodeJwt(access_token))
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: decodeProtectedHeader(access_token).kid! })
      .sign(privateKey);
    const { info, decided } = await expectAgreement(forged);
    expect(info).toEqual({ active: false });
    expect(decided).toBe('invalid_token');
  });

  it('garbage: inactive and refused', async () => {
    const { info, decided } = await expectAgreement('not-a-jwt');
    expect(info).toEqual({ active: false });
    expect(decided).toBe('invalid_token');
  });

  it('an expired token: inactive and refused, once past the verifier clock tolerance', async () => {
    // The token lives 1 s (exp = iat + 1, both in whole seconds) and the AS allows no skew, so
    // it is active only within the second it was minted in. Minting just after a second starts
    // leaves the fresh check ~1 s, not whatever remained of the current second (CI once
    // minted at x.99 s and found the token already inactive).
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    const { access_token } = await clientCredentialsToken(as, 'short-lived', { scope: 'data:read' });
    const fresh = await expectAgreement(access_token);
    expect(fresh.info.active).toBe(true);
    const { exp } = decodeJwt(access_token);
    // scopegate allows 5 s of clock skew by default; the AS none.
    await new Promise((resolve) => setTimeout(resolve, (exp! + 6) * 1000 - Date.now()));
    const { info, decided } = await expectAgreement(access_token);
    expect(info).toEqual({ active: false });
    expect(decided).toBe('invalid_token');
  }, 15_000);

  // Last: it rotates the AS keys, and the verifier would wait out its refetch cooldown for new ones.
  it('a token signed with a key published before a rotation: active and accepted', async () => {
    const { access_token } = await clientCredentialsToken(as, 'nightly-data-sync', { scope: 'data:read' });
    await as.rotateKeys();
    const { info } = await expectAgreement(access_token);
    expect(info.active).toBe(true);
  });
});

describe('introspection endpoints', () => {
  it("oidc-provider's own endpoint refuses JWT access tokens (unsupported_token_type)", async () => {
    const { access_token } = await clientCredentialsToken(as, 'reporting', { scope: 'data:read' });
    const { status, body } = await introspect(access_token, as.providerIntrospectionUrl);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'unsupported_token_type' });
  });

  it('the JWT introspection endpoint requires client authentication', async () => {
    const res = await fetch(as.introspectionUrl, {
      method: 'POST',
      headers: {
        authorization: basic('reporting', 'wrong'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });

  it('client_secret_post works too, including a secret with reserved characters', async () => {
    const legacy = as.clients.find((c) => c.client_id === 'legacy-exporter')!;
    const { access_token } = await clientCredentialsToken(as, 'reporting', { scope: 'data:read' });
    const res = await fetch(as.introspectionUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: access_token,
        client_id: legacy.client_id,
        client_secret: legacy.client_secret,
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: true, client_id: 'reporting' });
  });
});
