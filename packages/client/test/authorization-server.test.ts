/**
 * Against a real authorization server: the example one (oidc-provider, the
 * certified OpenID Provider library), started in-process on 127.0.0.1:0.
 * Checks discovery, RFC 6749 §2.3.1 Basic encoding of an awkward secret as a
 * real server decodes it, client_secret_post, RFC 8707 resource, caching and
 * the typed errors.
 */
import {
  createTokenClient,
  InvalidClientError,
  InvalidScopeError,
  type TokenClientOptions,
} from '@scopegate/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthorizationServer,
  DEMO_CLIENTS,
  type ExampleClient,
  OTHER_AUDIENCE,
  startAuthorizationServer,
} from '../../../examples/authorization-server/index.js';

// RFC 6749 Appendix A limits client_id and client_secret to VSCHAR (%x20-7E),
// and oidc-provider enforces it, so the awkward characters here are ASCII.
const BASIC_CLIENT: ExampleClient = {
  client_id: 'basic:client %41',
  client_secret: 'p@ss:w%rd/+=&? x%2B',
  scope: 'data:read',
};
const POST_CLIENT = {
  client_id: 'post client+1',
  client_secret: 'a+b c%20:/?&=',
  scope: 'data:read',
  token_endpoint_auth_method: 'client_secret_post',
} as ExampleClient;
const CLIENTS = [...DEMO_CLIENTS, BASIC_CLIENT, POST_CLIENT];

let as: AuthorizationServer;
beforeAll(async () => {
  as = await startAuthorizationServer({ clients: CLIENTS });
});
afterAll(() => as?.close());

function client(id: string, extra: Partial<TokenClientOptions> = {}) {
  const record = CLIENTS.find((c) => c.client_id === id)!;
  return createTokenClient({
    issuer: as.issuer,
    clientId: record.client_id,
    clientSecret: record.client_secret,
    ...extra,
  } as TokenClientOptions);
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('against the example authorization server', () => {
  it('discovers the token endpoint and gets a JWT access token; concurrent callers share one request', async () => {
    const c = client('nightly-data-sync', { scope: 'data:read data:write' });
    const before = as.tokenRequestCount('nightly-data-sync');
    const tokens = await Promise.all(Array.from({ length: 20 }, () => c.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(as.tokenRequestCount('nightly-data-sync') - before).toBe(1);
    const payload = claims(tokens[0]!);
    expect(payload).toMatchObject({ iss: as.issuer, aud: as.audience, client_id: 'nightly-data-sync' });
    expect(String(payload['scope']).split(' ').sort()).toEqual(['data:read', 'data:write']);
    const response = await c.getTokenResponse();
    expect(response.expiresInSec).toBeGreaterThan(0);
    expect(response.expiresInSec).toBeLessThanOrEqual(300);
  });

  it('client_secret_basic with an awkward secret (form-encoded before base64)', async () => {
    const c = client(BASIC_CLIENT.client_id, { scope: 'data:read' });
    expect(c.authMethod).toBe('client_secret_basic');
    expect(claims(await c.getToken())).toMatchObject({
      client_id: BASIC_CLIENT.client_id,
      scope: 'data:read',
    });
  });

  it('client_secret_post with an awkward id and secret', async () => {
    const c = client(POST_CLIENT.client_id, { scope: 'data:read', authMethod: 'client_secret_post' });
    expect(claims(await c.getToken())).toMatchObject({ client_id: POST_CLIENT.client_id });
  });

  it('sends the RFC 8707 resource indicator', async () => {
    const c = client('nightly-data-sync', { scope: 'data:read', resource: OTHER_AUDIENCE });
    expect(claims(await c.getToken())).toMatchObject({ aud: OTHER_AUDIENCE });
  });

  it('a wrong secret is InvalidClientError, not retried', async () => {
    const before = as.tokenRequestCount();
    const c = createTokenClient({
      issuer: as.issuer,
      clientId: 'nightly-data-sync',
      clientSecret: 'wrong-secret',
      scope: 'data:read',
    });
    const error = await c.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(String((error as Error).message)).not.toContain('wrong-secret');
    expect(as.tokenRequestCount() - before).toBeLessThanOrEqual(1);
  });

  it('a scope the client may not have is InvalidScopeError', async () => {
    const c = client('tiny-quota', { scope: 'data:write' });
    await expect(c.getToken()).rejects.toBeInstanceOf(InvalidScopeError);
  });
});
