/**
 * Tokens from another real client library (openid-client v6, its
 * client_credentials grant) are accepted by both adapters and the gateway;
 * a token for a different resource (audience) is refused.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../examples/demo/http.js';
import { type Stack, startStack } from '../examples/demo/stack.js';

let stack: Stack;
let config: oidc.Configuration;

beforeAll(async () => {
  stack = await startStack();
  const client = stack.as.clients.find((c) => c.client_id === 'nightly-data-sync')!;
  config = await oidc.discovery(
    new URL(stack.as.issuer),
    client.client_id,
    undefined,
    oidc.ClientSecretBasic(client.client_secret),
    // The example AS listens on plain http on loopback.
    { execute: [oidc.allowInsecureRequests] },
  );
});

afterAll(async () => {
  await stack?.close();
});

describe('openid-client v6 tokens', () => {
  it('a client_credentials token for the API resource is accepted everywhere', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, {
      scope: 'data:read data:write',
      resource: stack.as.audience,
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    for (const api of stack.apis) {
      const read = await request(`${api.url}/data`, { token: tokens.access_token });
      expect(read.status, api.name).toBe(200);
      expect((read.body as { client: string }).client, api.name).toBe('nightly-data-sync');
      const write = await request(`${api.url}/data`, {
        method: 'POST',
        token: tokens.access_token,
        body: { value: 'from openid-client' },
      });
      expect(write.status, api.name).toBe(201);
      const sync = await request(`${api.url}/sync`, { method: 'POST', token: tokens.access_token });
      expect(sync.status, api.name).toBe(200);
    }
  });

  it('without a resource parameter the AS defaults to the API and the token is accepted', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'data:read' });
    for (const api of stack.apis) {
      expect((await request(`${api.url}/data`, { token: tokens.access_token })).status, api.name).toBe(200);
    }
  });

  it('a token for a different resource is refused with 401 invalid_token about aud', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, {
      scope: 'data:read',
      resource: stack.as.otherAudience,
    });
    const answers = [];
    for (const api of stack.apis) {
      const res = await request(`${api.url}/data`, { token: tokens.access_token });
      expect(res.status, api.name).toBe(401);
      const body = res.body as { error: string; error_description: string };
      expect(body.error, api.name).toBe('invalid_token');
      expect(body.error_description, api.name).toMatch(/\baud\b|audience/);
      expect(res.wwwAuthenticate, api.name).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="/,
      );
      answers.push({ www: res.wwwAuthenticate, body });
    }
    // Same answer from all three.
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it('the AS refuses a scope the client is not registered for, so nothing reaches the APIs', async () => {
    await expect(
      oidc.clientCredentialsGrant(config, { scope: 'reports:read', resource: stack.as.audience }),
    ).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});
