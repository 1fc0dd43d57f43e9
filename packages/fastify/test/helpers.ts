/**
 * Test fixtures: an in-process "issuer" (jose key pairs, a static JWK Set, a
 * token minter) and app builders. No network: verifiers get `jwks`.
 */
import type { JwkSet, VerifierOptions } from '@scopegate/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import scopegate, { type ScopegateOptions } from '../src/index.js';

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'https://api.test';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface TestIssuer {
  /** The public JWK Set (one RS256 key, kid `k1`). */
  readonly jwks: JwkSet;
  /** Verifier options pointing at this issuer. */
  readonly verifierOptions: VerifierOptions;
  /** Signs a token; defaults: a valid client_credentials token for `svc-a` with scope `data:read`. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** A token for a client id with the given scopes. */
  client(clientId: string, scope?: string): Promise<string>;
  /** A user (person) token: subject `alice`, client `web-app`. */
  user(scope?: string): Promise<string>;
}

export interface SignOptions {
  /** Header kid. Default `k1`. */
  kid?: string;
  /** Sign with a key that is not in the JWK Set (under the same kid unless `kid` is given). */
  foreignKey?: boolean;
  /** Seconds from now to expiry. Default 300. */
  expiresIn?: number;
}

/** Creates a test issuer with a fresh RS256 key pair and a second, unpublished one. */
export async function createTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks: JwkSet = { keys: [jwk as JwkSet['keys'][number]] };

  const sign = async (claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> => {
    const key: SigningKey = options.foreignKey ? foreign.privateKey : privateKey;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'svc-a',
      client_id: 'svc-a',
      gty: 'client_credentials',
      scope: 'data:read',
      iat: now,
      exp: now + (options.expiresIn ?? 300),
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', typ: 'at+jwt' })
      .sign(key);
  };

  return {
    jwks,
    verifierOptions: { issuer: ISSUER, audience: AUDIENCE, jwks },
    sign,
    client: (clientId, scope = 'data:read') => sign({ sub: clientId, client_id: clientId, scope }),
    user: (scope = 'data:read') =>
      sign({ sub: 'alice', client_id: 'web-app', gty: 'authorization_code', scope }),
  };
}

/** `Authorization` header for a token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An unsigned `alg: none` JWT with otherwise valid claims. */
export function unsignedToken(kid = 'k1'): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = b64({ alg: 'none', typ: 'JWT', kid });
  const payload = b64({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'svc-a',
    client_id: 'svc-a',
    scope: 'data:read',
    exp: now + 300,
  });
  return `${header}.${payload}.`;
}

/**
 * An app with the plugin registered at the root and the usual routes:
 * `/data` (any valid token), `/scoped` (data:read + data:write), `/any`
 * (reports:read or admin), `/machines` (clients only), `/health` (public).
 */
export async function buildApp(options: ScopegateOptions): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(scopegate, options);
  const handler = async (request: { auth: unknown }) => ({ ok: true, auth: request.auth !== null });
  app.get('/data', handler);
  app.get('/scoped', { config: { scopes: ['data:read', 'data:write'] } }, handler);
  app.get('/any', { config: { anyScope: ['reports:read', 'admin'] } }, handler);
  app.get('/machines', { config: { subjectType: 'client' } }, handler);
  app.get('/health', { config: { auth: false } }, async (request) => ({ ok: true, auth: request.auth }));
  await app.ready();
  return app;
}
