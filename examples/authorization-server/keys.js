import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';

/** Signing algorithm of every key this example authorization server makes. */
export const SIGNING_ALG = 'ES256';

/**
 * Makes a fresh private signing JWK with a unique `kid`. The authorization
 * server publishes its public half at the JWKS endpoint.
 */
export async function generateSigningKey() {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `key-${randomUUID().slice(0, 8)}`, alg: SIGNING_ALG, use: 'sig' };
}

/** The public part of a private JWK (drops the private scalar `d`). */
export function publicJwk(jwk) {
  const { d: _private, ...pub } = jwk;
  return pub;
}
