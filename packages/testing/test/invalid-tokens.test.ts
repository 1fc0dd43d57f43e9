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
import { type CryptoKey, compactVerify, exportSPKI, importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeClaims } from '../src/claims.js';
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
import { type InvalidTokenContext, mintInvalidToken } from '../src/invalid-tokens.js';
import { generateSigningKey, KeyRing, type PublicJwk } from '../src/keys.js';
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

/** `token` with its payload re-encoded as `payload` and its signature kept. */
const withPayload = (token: string, payload: Record<string, unknown>): string => {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
};

// Proof of "exactly one defect": undo the defect (or make the verifier accept it) and the
// same token verifies, so nothing else about it is wrong.
describe.each(['RS256', 'ES256', 'EdDSA'] as const)('%s: without its defect, each token verifies', (alg) => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ alg });
  });
  const mint = (kind: InvalidTokenKind) => idp.invalidToken(kind, { scopes: 'data:read' });
  const accepted = { subjectType: 'client', clientId: DEFAULT_INVALID_TOKEN_CLIENT_ID };
  /** The token's header and claims, signed properly by the issuer's current key. */
  const resigned = async (token: string) => {
    const { header, payload } = decode(token);
    expect(header.kid).toBe(idp.kid);
    return idp.sign(payload, { header: { typ: header.typ as string } });
  };

  it('expired: verifies at a time within its lifetime', async () => {
    const token = await mint('expired');
    const { iat, exp } = decode(token).payload as { iat: number; exp: number };
    expect(exp - iat).toBe(300);
    const then = createVerifier({ ...idp.verifierOptions, now: () => (iat + 1) * 1000 });
    await expect(then.verify(token)).resolves.toMatchObject(accepted);
  });

  it('not-yet-valid: verifies once nbf has come, until exp', async () => {
    const token = await mint('not-yet-valid');
    const { nbf, exp } = decode(token).payload as { nbf: number; exp: number };
    const at = (sec: number) =>
      createVerifier({ ...idp.verifierOptions, now: () => sec * 1000 }).verify(token);
    await expect(at(nbf)).resolves.toMatchObject(accepted);
    await expect(at(exp - 1)).resolves.toMatchObject(accepted);
    await expectRefused(at(exp + 10), 'exp');
  });

  it('wrong-issuer: verifies for a verifier that trusts that issuer', async () => {
    const token = await mint('wrong-issuer');
    await expect(verify({ ...idp.verifierOptions, issuer: WRONG_ISSUER }, token)).resolves.toMatchObject(
      accepted,
    );
  });

  it('wrong-audience: verifies for a verifier of that audience', async () => {
    const token = await mint('wrong-audience');
    await expect(verify({ ...idp.verifierOptions, audience: WRONG_AUDIENCE }, token)).resolves.toMatchObject(
      accepted,
    );
  });

  it('tampered: with the original exp back, the signature is valid', async () => {
    const token = await mint('tampered');
    const { payload } = decode(token);
    const restored = withPayload(token, { ...payload, exp: (payload.exp as number) - 3600 });
    await expect(verify(idp.verifierOptions, restored)).resolves.toMatchObject(accepted);
  });

  it('forged, alg-none, alg-confusion: the same header and claims, properly signed, verify', async () => {
    for (const kind of ['forged', 'alg-none', 'alg-confusion'] as const) {
      const token = await mint(kind);
      const genuine = await resigned(token);
      expect(decode(genuine), kind).toEqual({
        header: { ...decode(token).header, alg },
        payload: decode(token).payload,
      });
      await expect(verify(idp.verifierOptions, genuine), kind).resolves.toMatchObject(accepted);
    }
  });

  it('alg-confusion: a valid HS256 MAC keyed with the public key PEM (what a confused verifier checks)', async () => {
    const token = await mint('alg-confusion');
    const pem = await exportSPKI((await importJWK(idp.jwks.keys[0] as JWK, alg)) as CryptoKey);
    await expect(compactVerify(token, new TextEncoder().encode(pem))).resolves.toBeDefined();
  });

  it('malformed: the issuer header and a valid signature by the current key; only the payload is wrong', async () => {
    const token = await mint('malformed');
    const good = decode(await idp.clientToken('svc'));
    const { protectedHeader, payload } = await compactVerify(
      token,
      await importJWK(idp.jwks.keys[0] as JWK, alg),
    );
    expect(protectedHeader).toEqual(good.header);
    expect(() => JSON.parse(new TextDecoder().decode(payload))).toThrow(SyntaxError);
  });
});

describe.each(['RS256', 'ES256', 'EdDSA'] as const)(
  '%s: the unpublished key behind forged and unknown-kid',
  (alg) => {
    // The unpublished key is not reachable through the public API: mint with a key ring of our own.
    const issuer = 'https://issuer.test/';
    const audience = 'https://api.test';
    const context = (ring: KeyRing): InvalidTokenContext => {
      const nowSec = Math.floor(Date.now() / 1000);
      return {
        ring,
        nowSec,
        expiresInSec: 300,
        payload: (clientId, scopes, ...layers) =>
          mergeClaims(
            { iss: issuer, aud: audience, iat: nowSec, exp: nowSec + 300 },
            { sub: clientId, client_id: clientId, gty: 'client_credentials', scope: scopes.join(' ') },
            ...layers,
          ),
        header: (key) => ({ alg: key.alg, typ: 'at+jwt', kid: key.kid }),
      };
    };
    const verifier = (...keys: PublicJwk[]) => createVerifier({ issuer, audience, jwks: { keys } });

    it('forged: verifies against the unpublished key under the current kid', async () => {
      const ring = new KeyRing(await generateSigningKey(alg));
      const token = await mintInvalidToken('forged', { clientId: 'svc' }, context(ring));
      await expectRefused(verifier(...ring.jwks.keys).verify(token), 'signature');
      const impostor = await ring.unpublished(alg);
      expect(ring.jwks.keys.map((key) => key.kid)).not.toContain(impostor.kid);
      await expect(
        verifier({ ...impostor.publicJwk, kid: ring.current.kid }).verify(token),
      ).resolves.toMatchObject({ clientId: 'svc' });
    });

    it('unknown-kid: verifies once its key is published', async () => {
      const ring = new KeyRing(await generateSigningKey(alg));
      const token = await mintInvalidToken('unknown-kid', { clientId: 'svc' }, context(ring));
      await expectRefused(verifier(...ring.jwks.keys).verify(token), 'kid');
      const impostor = await ring.unpublished(alg);
      expect(decode(token).header.kid).toBe(impostor.kid);
      await expect(verifier(...ring.jwks.keys, impostor.publicJwk).verify(token)).resolves.toMatchObject({
        clientId: 'svc',
      });
    });
  },
);

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

  it('not-yet-valid: nbf 10 minutes ahead, valid for one lifetime from then', async () => {
    const { payload } = await claimsOf('not-yet-valid');
    expect(payload.nbf).toBe((payload.iat as number) + 600);
    // exp after nbf: a token that is never valid would have a second defect (reason exp once nbf passes)
    expect(payload.exp).toBe((payload.nbf as number) + 300);
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
