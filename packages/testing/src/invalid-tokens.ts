/**
 * Tokens scopegate must refuse, for an API's negative tests. Each kind is a
 * valid client token of the issuer with exactly one defect, so a refusal can
 * only come from the check that defect targets; {@link INVALID_TOKEN_REASONS}
 * names that check (the `reason` of scopegate's `InvalidTokenError`).
 */
import { type Claims, type Scopes, scopeList } from './claims.js';
import { decodePayload, publicKeyPemBytes, replacePayload, signBytes, signJwt, unsignedJwt } from './jws.js';
import type { KeyRing, SigningKey } from './keys.js';

/**
 * What is wrong with the token:
 * - `'expired'`: `exp` 10 minutes ago (beyond any usual clock tolerance);
 * - `'not-yet-valid'`: `nbf` 10 minutes from now, `exp` one lifetime after `nbf`;
 * - `'wrong-issuer'`: `iss` is {@link WRONG_ISSUER};
 * - `'wrong-audience'`: `aud` is {@link WRONG_AUDIENCE};
 * - `'forged'`: the current key's `kid` and `alg`, signed by a key that is not published;
 * - `'tampered'`: a properly signed token whose payload was changed afterwards (`exp` an hour later);
 * - `'unknown-kid'`: a `kid` that is not in the JWK Set (that of an unpublished key, which signs it);
 * - `'alg-none'`: `alg: "none"`, no signature (RFC 7519 unsecured JWT);
 * - `'alg-confusion'`: `alg: "HS256"` with the current key's `kid`, keyed with that public key's PEM;
 * - `'malformed'`: a properly signed JWS whose payload is not a JSON claims set.
 */
export type InvalidTokenKind =
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'forged'
  | 'tampered'
  | 'unknown-kid'
  | 'alg-none'
  | 'alg-confusion'
  | 'malformed';

/**
 * The `reason` scopegate gives when it refuses each kind (every one a 401
 * `invalid_token`), for table-driven tests:
 *
 * ```ts
 * for (const kind of INVALID_TOKEN_KINDS)
 *   await expect(verifier.verify(await idp.invalidToken(kind))).rejects.toMatchObject({
 *     code: 'invalid_token',
 *     reason: INVALID_TOKEN_REASONS[kind],
 *   });
 * ```
 */
export const INVALID_TOKEN_REASONS = Object.freeze({
  expired: 'exp',
  'not-yet-valid': 'nbf',
  'wrong-issuer': 'iss',
  'wrong-audience': 'aud',
  forged: 'signature',
  tampered: 'signature',
  'unknown-kid': 'kid',
  'alg-none': 'alg',
  'alg-confusion': 'alg',
  malformed: 'malformed',
} as const satisfies Record<InvalidTokenKind, string>);

/** Every {@link InvalidTokenKind}. */
export const INVALID_TOKEN_KINDS = Object.freeze(
  Object.keys(INVALID_TOKEN_REASONS),
) as readonly InvalidTokenKind[];

/** `iss` of a `'wrong-issuer'` token (the reserved `.invalid` top-level domain). */
export const WRONG_ISSUER = 'https://wrong-issuer.invalid/';
/** `aud` of a `'wrong-audience'` token. */
export const WRONG_AUDIENCE = 'https://wrong-audience.invalid';
/**
 * Client id of invalid tokens when none is given, except with the cognito
 * profile: there it is the first entry of the issuer's audience, since
 * scopegate checks a Cognito token's `client_id` against the audience.
 */
export const DEFAULT_INVALID_TOKEN_CLIENT_ID = 'test-client';

/** Options of {@link TokenMinter.invalidToken}: the valid token the defect is applied to. */
export interface InvalidTokenOptions {
  /**
   * The client the token names. Default `'test-client'`
   * ({@link DEFAULT_INVALID_TOKEN_CLIENT_ID}); with the cognito profile, the
   * first entry of the issuer's audience, and one outside the audience is a
   * `TypeError` (the token would be refused for its `client_id` first).
   */
  clientId?: string;
  /** Granted scopes, so that only the defect can explain a refusal. Default: none. */
  scopes?: Scopes;
  /** Extra or overriding claims (the defect is applied after them). Default: none. */
  claims?: Claims;
}

/** Names of {@link InvalidTokenOptions}, tied to the type by a type test. */
export const INVALID_TOKEN_OPTION_NAMES = [
  'clientId',
  'scopes',
  'claims',
] as const satisfies readonly (keyof InvalidTokenOptions)[];

/** What minting an invalid token needs from the issuer, at one instant. */
export interface InvalidTokenContext {
  readonly ring: KeyRing;
  /** Now, epoch seconds (the instant `payload` uses). */
  readonly nowSec: number;
  /** Lifetime of the issuer's tokens, seconds. */
  readonly expiresInSec: number;
  /** Payload of a valid client token for `clientId` with `scopes`, then `layers` on top. */
  payload(clientId: string, scopes: readonly string[], ...layers: readonly Claims[]): Record<string, unknown>;
  /** The protected header the issuer puts on a token signed by `key`. */
  header(key: SigningKey): Record<string, unknown> & { alg: string };
}

const TEN_MINUTES = 600;

/** Mints a token of `kind`. */
export async function mintInvalidToken(
  kind: InvalidTokenKind,
  options: InvalidTokenOptions,
  context: InvalidTokenContext,
): Promise<string> {
  const clientId = options.clientId ?? DEFAULT_INVALID_TOKEN_CLIENT_ID;
  const scopes = scopeList(options.scopes);
  const claims = options.claims ?? {};
  const { ring, nowSec } = context;
  const current = ring.current;
  const valid = (...defect: Claims[]) => context.payload(clientId, scopes, claims, ...defect);
  switch (kind) {
    case 'expired': {
      const exp = nowSec - TEN_MINUTES;
      return signJwt(
        valid({ iat: exp - context.expiresInSec, exp }),
        context.header(current),
        current.privateKey,
      );
    }
    case 'not-yet-valid': {
      // Valid for one lifetime from nbf: with exp = iat + lifetime it would never be valid.
      const nbf = nowSec + TEN_MINUTES;
      return signJwt(
        valid({ nbf, exp: nbf + context.expiresInSec }),
        context.header(current),
        current.privateKey,
      );
    }
    case 'wrong-issuer':
      return signJwt(valid({ iss: WRONG_ISSUER }), context.header(current), current.privateKey);
    case 'wrong-audience':
      return signJwt(valid({ aud: WRONG_AUDIENCE }), context.header(current), current.privateKey);
    case 'forged': {
      const impostor = await ring.unpublished(current.alg);
      return signJwt(valid(), context.header(current), impostor.privateKey);
    }
    case 'tampered': {
      const token = await signJwt(valid(), context.header(current), current.privateKey);
      const payload = decodePayload(token);
      return replacePayload(token, { ...payload, exp: (payload.exp as number) + 3600 });
    }
    case 'unknown-kid': {
      const unknown = await ring.unpublished(current.alg);
      return signJwt(valid(), context.header(unknown), unknown.privateKey);
    }
    case 'alg-none':
      return unsignedJwt(valid(), context.header(current));
    case 'alg-confusion':
      return signJwt(
        valid(),
        { ...context.header(current), alg: 'HS256' },
        await publicKeyPemBytes(current.publicKey),
      );
    case 'malformed':
      return signBytes(
        new TextEncoder().encode('not a JSON claims set'),
        context.header(current),
        current.privateKey,
      );
    default:
      throw new TypeError(
        `@scopegate/testing: unknown invalid token kind ${JSON.stringify(kind)}; use one of ${INVALID_TOKEN_KINDS.join(', ')}`,
      );
  }
}
