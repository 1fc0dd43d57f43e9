/**
 * Tokens scopegate must refuse: each kind, for several key types, through
 * the real verifier, refused with the documented reason and error class;
 * and each is otherwise the valid token it claims to be (same claims as a
 * good one, only the defect differs), so the refusal proves that one check.
 */
import {
  AlgorithmNotAllowedError,
  AudienceMismatchError,
  createVerifier,
  IssuerMismatchError,
  KeyNotFoundError,
  MalformedTokenError,
  SignatureInvalidError,
  TokenExpiredError,
  TokenNotYetValidError,
} from '@scopegate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestIssuer,
  DEFAULT_INVALID_TOKEN_CLIENT_ID,
  INVALID_TOKEN_KINDS,
  INVALID_TOKEN_REASONS,
  type InvalidTokenKind,
  type TestIssuer,
  WRONG_AUDIENCE,
  WRONG_ISSUER,
} from '../src/index.js';
import { decode, expectRefused, verify } from './helpers.js';

const ERROR_CLASS: Record<InvalidTokenKind, abstract new (...args: never[]) => Error> = {
  expired: TokenExpiredError,
  'not-yet-valid': TokenNotYetValidError,
  'wrong-issuer': IssuerMismatchError,
  'wrong-audience': AudienceMismatchError,
  forged: SignatureInvalidError,
  tampered: SignatureInvalidError,
  'unknown-kid': KeyNotFoundError,
  'alg-none': AlgorithmNotAllowedError,
  'alg-confusion': AlgorithmNotAllowedError,
  malformed: MalformedTokenError,
};

describe.each(['RS256', 'ES256', 'EdDSA'] as const)('%s issuer', (alg) => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ alg });
  });

  it.each(INVALID_TOKEN_KINDS)('%s is refused with its documented reason', async (kind) => {
    const token = await idp.invalidToken(kind, { scopes: 'data:read' });
    const error = await expectRefused(verify(idp.verifierOptions, token), INVALID_TOKEN_REASONS[kind]);
    expect(error).toBeInstanceOf(ERROR_CLASS[kind]);
    // the same answer through authorize(), as the adapters give it
    const decision = await createVerifier({ ...idp.verifierOptions }).authorize(`Bearer ${token}`, {
      scopes: ['data:read'],
    });
    expect(decision).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_token' } });
  });
});

describe('each invalid token has one defect only', () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer();
  });

  const claimsOf = async (kind: InvalidTokenKind) => decode(await idp.invalidToken(kind, { scopes: 'a b' }));

  it('the base is a valid client token of test-client with the given scopes', async () => {
    for (const kind of INVALID_TOKEN_KINDS.filter((k) => k !== 'malformed')) {
      const { payload } = await claimsOf(kind);
      expect(payload, kind).toMatchObject({
        sub: DEFAULT_INVALID_TOKEN_CLIENT_ID,
        client_id: DEFAULT_INVALID_TOKEN_CLIENT_ID,
        gty: 'client_credentials',
        scope: 'a b',
      });
    }
  });

  it('expired: exp 10 minutes ago, iat one lifetime before', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { payload } = await claimsOf('expired');
    expect(payload.exp).toBeGreaterThanOrEqual(now - 600);
    expect(payload.exp).toBeLessThanOrEqual(now - 599);
    expect(payload.iat).toBe((payload.exp as number) - 300);
    // beyond a generous clock tolerance too
    await expectRefused(
      createVerifier({ ...idp.verifierOptions, clockToleranceSec: 300 }).verify(
        await idp.invalidToken('expired'),
      ),
      'exp',
    );
  });

  it('not-yet-valid: nbf 10 minutes ahead', async () => {
    const { payload } = await claimsOf('not-yet-valid');
    expect(payload.nbf).toBe((payload.iat as number) + 600);
  });

  it('wrong issuer and audience use reserved .invalid names', async () => {
    expect((await claimsOf('wrong-issuer')).payload.iss).toBe(WRONG_ISSUER);
    expect((await claimsOf('wrong-audience')).payload.aud).toBe(WRONG_AUDIENCE);
  });

  it('forged: the current kid and alg, but a signature by another key', async () => {
    const forged = await idp.invalidToken('forged');
    expect(decode(forged).header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: idp.kid });
    // with the right key, the same header and claims verify: only the signature differs
    const genuine = await idp.sign(decode(forged).payload);
    await expect(verify(idp.verifierOptions, genuine)).resolves.toMatchObject({ clientId: 'test-client' });
  });

  it('tampered: the signature of the original payload over a later exp', async () => {
    const token = await idp.invalidToken('tampered');
    const { payload } = decode(token);
    expect(payload.exp).toBe((payload.iat as number) + 300 + 3600);
  });

  it('unknown-kid: a kid the JWK Set does not have', async () => {
    const { header } = await claimsOf('unknown-kid');
    expect(idp.jwks.keys.map((key) => key.kid)).not.toContain(header.kid);
    expect(header.alg).toBe('RS256');
  });

  it('alg-none: an unsecured JWT with an empty signature', async () => {
    const token = await idp.invalidToken('alg-none');
    expect(token.endsWith('.')).toBe(true);
    expect(decode(token).header).toEqual({ alg: 'none', typ: 'at+jwt', kid: idp.kid });
  });

  it('alg-confusion: HS256 under the RSA key kid', async () => {
    expect(decode(await idp.invalidToken('alg-confusion')).header).toEqual({
      alg: 'HS256',
      typ: 'at+jwt',
      kid: idp.kid,
    });
  });

  it('options shape the base token; the defect wins over claims', async () => {
    const token = await idp.invalidToken('wrong-issuer', {
      clientId: 'svc-b',
      claims: { iss: idp.issuer, tenant: 'acme' },
    });
    expect(decode(token).payload).toMatchObject({ iss: WRONG_ISSUER, sub: 'svc-b', tenant: 'acme' });
  });

  it('an unknown kind or option is a TypeError', async () => {
    await expect(idp.invalidToken('nope' as InvalidTokenKind)).rejects.toThrow(/unknown kind "nope"/);
    await expect(idp.invalidToken('expired', { scope: 'a' } as never)).rejects.toThrow(
      /unknown option "scope"/,
    );
  });

  it('the kinds and their reasons are listed once', () => {
    expect(INVALID_TOKEN_KINDS).toEqual(Object.keys(INVALID_TOKEN_REASONS));
    expect(Object.isFrozen(INVALID_TOKEN_REASONS)).toBe(true);
  });
});
