/**
 * Compact JWS serialisation. Every signature is made by jose; the only
 * tokens assembled by hand are the unsigned `alg: none` one and a signed
 * token whose payload was swapped afterwards (both are meant to be refused).
 */
import { CompactSign, type CryptoKey, exportSPKI, SignJWT } from 'jose';

/**
 * Protected header parameters a test may add or override. `alg` is always
 * the signing key's (a mismatch would be a signing error, not a test token);
 * `kid` here changes only the header value, not the key that signs.
 */
export type TokenHeader = {
  /** Not settable: always the signing key's algorithm. */
  readonly alg?: never;
  /** Header `typ`. Default: the issuer's (`'at+jwt'` unless the profile or `typ` option says otherwise); `undefined` leaves it out. */
  readonly typ?: string | undefined;
  /** Header `kid` value. Default: the signing key's `kid`; `undefined` leaves it out. Does not choose the key. */
  readonly kid?: string | undefined;
  /** Header `cty`. Default: none. */
  readonly cty?: string | undefined;
  /** Critical parameters (each must also be in the header); scopegate refuses ones it does not understand. Default: none. */
  readonly crit?: readonly string[] | undefined;
  /**
   * Any other protected header parameter (`x5t`, `jku`, the names listed in
   * `crit`, …), put in the header as given (JSON-serialisable values);
   * `undefined` leaves it out. Nothing is checked: a test may want a header
   * scopegate refuses.
   */
  readonly [parameter: string]: unknown;
};

type Header = { alg: string; [parameter: string]: unknown };

function withoutUndefined(header: Record<string, unknown>): Header {
  const clean: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(header))
    if (value !== undefined)
      Object.defineProperty(clean, name, { value, enumerable: true, writable: true, configurable: true });
  return clean as Header;
}

/** Signs `payload` as a JWT with jose. Header members set to `undefined` are left out. */
export async function signJwt(
  payload: Record<string, unknown>,
  header: Record<string, unknown> & { alg: string },
  key: CryptoKey | Uint8Array,
): Promise<string> {
  const protectedHeader = withoutUndefined(header);
  const crit = protectedHeader.crit;
  // jose refuses to sign with a `crit` it is not told about; a test may want exactly that token.
  const options = Array.isArray(crit)
    ? {
        crit: Object.fromEntries(crit.filter((name) => typeof name === 'string').map((name) => [name, true])),
      }
    : undefined;
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key, options);
}

/** Signs arbitrary bytes (not a JSON claims set) as a compact JWS with jose. */
export function signBytes(
  payload: Uint8Array,
  header: Record<string, unknown> & { alg: string },
  key: CryptoKey,
) {
  return new CompactSign(payload).setProtectedHeader(withoutUndefined(header)).sign(key);
}

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (RFC 7519 §6): `alg: none` and an empty signature. */
export function unsignedJwt(payload: Record<string, unknown>, header: Record<string, unknown>): string {
  return `${segment(withoutUndefined({ ...header, alg: 'none' }))}.${segment(payload)}.`;
}

/** `token` with its payload replaced by `payload` and the original signature kept. */
export function replacePayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${segment(payload)}.${signature}`;
}

/** The decoded payload of a compact JWS made by this package. */
export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/** The public key as PEM (SPKI) bytes: what an algorithm-confusion attack uses as an HMAC secret. */
export async function publicKeyPemBytes(publicKey: CryptoKey): Promise<Uint8Array> {
  return new TextEncoder().encode(await exportSPKI(publicKey));
}
