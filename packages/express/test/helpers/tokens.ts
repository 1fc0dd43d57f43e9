/**
 * Test issuer: keys and JWTs minted with jose, served either as a static JWK
 * Set or by a local JWKS server on 127.0.0.1. Nothing here touches the network
 * beyond the loopback interface.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Jwk } from '@scopegate/core';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'https://api.test';

export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Jwk;
}

/** An RS256 key pair with its public JWK. */
export async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } as Jwk;
  return { kid, privateKey, jwk };
}

/** Signs `claims` with RS256 under `key`; `header` overrides header parameters (e.g. `kid`). */
export function signWith(
  key: TestKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })
    .sign(key.privateKey);
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned `alg: none` token (jose refuses to make one, by design). */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

const now = () => Math.floor(Date.now() / 1000);

/** Claims of a client_credentials token for `clientId`. */
export function clientClaims(
  clientId: string,
  scope: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: clientId,
    client_id: clientId,
    gty: 'client_credentials',
    scope,
    iat: now(),
    exp: now() + 600,
    ...extra,
  };
}

/** Claims of a user token (the subject is a person using `web-app`). */
export function userClaims(
  userId: string,
  scope: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: userId,
    azp: 'web-app',
    scope,
    iat: now(),
    exp: now() + 600,
    ...extra,
  };
}

/** Starts an HTTP server on 127.0.0.1:0 and resolves its base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server and its keep-alive sockets. */
export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A JWKS server answering `GET /jwks.json`; counts requests. */
export async function startJwksServer(
  keys: TestKey[],
): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
      return;
    }
    res.writeHead(404).end();
  });
  const base = await listen(server);
  return { url: `${base}/jwks.json`, server, hits: () => hits };
}

/** A URL on 127.0.0.1 where nothing listens (the port was bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  const base = await listen(server);
  await close(server);
  return `${base}/jwks.json`;
}
