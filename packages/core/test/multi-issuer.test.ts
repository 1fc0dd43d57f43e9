/**
 * Several issuers with discovery: each issuer's tokens verify with that
 * issuer's own keys, and one issuer's keys never vouch for a token that
 * claims another issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVerifier,
  IssuerMismatchError,
  KeyNotFoundError,
  MalformedTokenError,
  SignatureInvalidError,
} from '../src/index.js';
import { type LocalIssuer, startLocalIssuer } from './helpers/local-issuer.js';

const AUDIENCE = 'https://api.example.test';
let a: LocalIssuer;
let b: LocalIssuer;

beforeAll(async () => {
  [a, b] = await Promise.all([
    startLocalIssuer({ issuerPath: '/a' }),
    startLocalIssuer({ issuerPath: '/b' }),
  ]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const claims = { sub: 'svc', client_id: 'svc', aud: AUDIENCE };

describe('issuer: [A, B] with discovery', () => {
  it("verifies each issuer's tokens with that issuer's keys", async () => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE });
    expect((await verifier.verify(await a.sign(claims))).issuer).toBe(a.issuer);
    expect((await verifier.verify(await b.sign(claims))).issuer).toBe(b.issuer);
  });

  it("refuses a token signed with A's key that claims iss B", async () => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE });
    const forged = await a.sign({ ...claims, iss: b.issuer }, { kid: a.currentKid });
    const error = await verifier.verify(forged).catch((e: unknown) => e);
    // B's key set has no key with A's kid (or, with a shared kid, the signature fails).
    expect(error instanceof KeyNotFoundError || error instanceof SignatureInvalidError).toBe(true);
  });

  it('refuses a token whose iss is not configured before fetching any keys for it', async () => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE });
    const before = a.count() + b.count();
    await expect(
      verifier.verify(await a.sign({ ...claims, iss: 'https://elsewhere.test/' })),
    ).rejects.toBeInstanceOf(IssuerMismatchError);
    expect(a.count() + b.count()).toBe(before);
  });

  it('answers a malformed payload 401 malformed, without fetching keys', async () => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE });
    const [header, , signature] = (await a.sign(claims)).split('.');
    const before = a.count() + b.count();
    const error = await verifier
      .verify(`${header}.${Buffer.from('not json').toString('base64url')}.${signature}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedTokenError);
    expect((error as MalformedTokenError).status).toBe(401);
    expect(a.count() + b.count()).toBe(before);
  });

  it('warms up every issuer', async () => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE });
    const [ja, jb] = [a.count(a.paths.jwks), b.count(b.paths.jwks)];
    await verifier.warmup();
    expect(a.count(a.paths.jwks)).toBe(ja + 1);
    expect(b.count(b.paths.jwks)).toBe(jb + 1);
  });
});
