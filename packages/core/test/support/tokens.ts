/**
 * Test keys and token minting with jose (the reference implementation the
 * verifier is compared against). Keys are generated once per process.
 */
import { constants, createHmac, sign as cryptoSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type JWK, type JWTPayload, SignJWT } from 'jose';
import type { JwkSet, JwsAlgorithm } from '../../src/types.js';

export const ISSUER = 'https://auth.example.com/';
export const AUDIENCE = 'https://api.example.com';
/** Fixed clock for deterministic time checks (ms). */
export const NOW_MS = 1_800_000_000_000;
export const NOW = NOW_MS / 1000;
export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long!';
export const SECRET_BYTES = new TextEncoder().encode(SECRET);

export const ASYMMETRIC_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;

type Family = 'rsa' | 'p256' | 'p384' | 'p521' | 'ed25519';

export function familyOf(alg: string): Family {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'rsa';
  if (alg === 'ES256') return 'p256';
  if (alg === 'ES384') return 'p384';
  if (alg === 'ES512') return 'p521';
  return 'ed25519';
}

function generate(family: Family): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (family) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'p521':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    default:
      return generateKeyPairSync('ed25519');
  }
}

export interface TestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: JWK;
}

const cache = new Map<string, Promise<TestKey>>();

/** A key pair of the family `alg` needs; `slot` gives independent keys of the same family. */
export function testKey(alg: string, slot = 'a'): Promise<TestKey> {
  const family = familyOf(alg);
  const id = `${family}-${slot}`;
  let entry = cache.get(id);
  if (!entry) {
    const { privateKey, publicKey } = generate(family);
    const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: id, use: 'sig' };
    entry = Promise.resolve({ kid: id, privateKey, publicKey, publicJwk });
    cache.set(id, entry);
  }
  return entry;
}

/** A JWK Set with the given keys (public members only). */
export async function jwksOf(...keys: Promise<TestKey>[]): Promise<JwkSet> {
  return { keys: (await Promise.all(keys)).map((k) => k.publicJwk as JwkSet['keys'][number]) };
}

/** Claims of a typical client_credentials token at {@link NOW}. */
export function baseClaims(extra: Record<string, unknown> = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'nightly-data-sync',
    client_id: 'nightly-data-sync',
    scope: 'data:read data:write',
    iat: NOW - 10,
    exp: NOW + 300,
    ...extra,
  };
}

/** Signs claims with jose. `header` adds or overrides protected header members. */
export async function sign(
  alg: JwsAlgorithm | string,
  claims: JWTPayload | Record<string, unknown> = baseClaims(),
  options: { key?: TestKey | Uint8Array; header?: Record<string, unknown>; kid?: string | null } = {},
): Promise<string> {
  const isHmac = alg.startsWith('HS');
  const key = options.key ?? (isHmac ? SECRET_BYTES : await testKey(alg));
  const kid =
    options.kid === null ? undefined : (options.kid ?? (key instanceof Uint8Array ? undefined : key.kid));
  const header = { alg, ...(kid !== undefined ? { kid } : {}), ...options.header };
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(key instanceof Uint8Array ? key : key.privateKey);
}

/** base64url of a JSON value or string. */
export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Replaces one segment of a compact JWS. */
export function withSegment(token: string, index: number, segment: string): string {
  const parts = token.split('.');
  parts[index] = segment;
  return parts.join('.');
}

/** Decodes a segment as JSON. */
export function decodeSegment(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString('utf8'));
}

/** An HS256 token over an arbitrary header and payload text (for shapes jose refuses to produce). */
export function hs256Raw(header: unknown, payload: string, secret: Uint8Array = SECRET_BYTES): string {
  const input = `${b64(header)}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A token signed with a node KeyObject over an arbitrary header and payload text. */
export function signRaw(alg: string, key: TestKey, header: unknown, payload: string): string {
  const input = `${b64(header)}.${Buffer.from(payload).toString('base64url')}`;
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  const options = alg.startsWith('PS')
    ? {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }
    : alg.startsWith('ES')
      ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' as const }
      : key.privateKey;
  return `${input}.${cryptoSign(hash, Buffer.from(input), options).toString('base64url')}`;
}
