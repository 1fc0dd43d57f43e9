/**
 * A minimal token issuer for the Redis multi-instance tests: one ES256 key
 * (kid `k1`) and client_credentials access tokens with scope `data:read`.
 */
import type { JwkSet } from '@scopegate/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface ClientTokenIssuer {
  /** The public JWK Set to configure the APIs with. */
  readonly jwks: JwkSet;
  /** A valid 5-minute access token for `clientId` (sub = client_id). */
  token(clientId: string): Promise<string>;
}

/** Creates an issuer for `issuer` / `audience` with a fresh key pair. */
export async function createClientTokenIssuer(issuer: string, audience: string): Promise<ClientTokenIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] } as JwkSet;
  return {
    jwks,
    token: (clientId) =>
      new SignJWT({ client_id: clientId, gty: 'client_credentials', scope: 'data:read' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(clientId)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
  };
}
