/**
 * @scopegate/client against the real authorization server (issue 4's last
 * point): the token is cached (counted at the AS), single-flight under
 * concurrency, both client authentication methods work (with a secret full of
 * reserved characters), and token endpoint errors are typed.
 */
import { createTokenClient, InvalidClientError, InvalidScopeError } from '@scopegate/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../examples/demo/http.js';
import { type Stack, startStack } from '../examples/demo/stack.js';

let stack: Stack;

const secret = (clientId: string) => stack.as.clients.find((c) => c.client_id === clientId)!.client_secret;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

describe('@scopegate/client against the example authorization server', () => {
  it('caches the token: 20 concurrent and 20 later getToken() calls cost one token request', async () => {
    const client = createTokenClient({
      issuer: stack.as.issuer,
      clientId: 'nightly-data-sync',
      clientSecret: secret('nightly-data-sync'),
      scope: 'data:read data:write',
      resource: stack.as.audience,
    });
    const before = stack.as.tokenRequestCount('nightly-data-sync');
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => client.getToken()));
    expect(new Set(concurrent).size).toBe(1);
    for (let i = 0; i < 20; i++) expect(await client.getToken()).toBe(concurrent[0]);
    expect(stack.as.tokenRequestCount('nightly-data-sync') - before).toBe(1);

    client.invalidate();
    const next = await client.getToken();
    expect(next).not.toBe(concurrent[0]);
    expect(stack.as.tokenRequestCount('nightly-data-sync') - before).toBe(2);
  });

  it('client.fetch calls every API with the cached token', async () => {
    const client = createTokenClient({
      tokenUrl: stack.as.tokenUrl,
      clientId: 'reporting',
      clientSecret: secret('reporting'),
      scope: 'data:read reports:read',
    });
    const before = stack.as.tokenRequestCount('reporting');
    for (const api of stack.apis) {
      const res = await client.fetch(`${api.url}/data`);
      expect(res.status, api.name).toBe(200);
      expect(((await res.json()) as { client: string }).client, api.name).toBe('reporting');
      // 403 is not retried with a new token.
      const write = await client.fetch(`${api.url}/data`, { method: 'POST' });
      expect(write.status, api.name).toBe(403);
      await write.arrayBuffer();
    }
    expect(stack.as.tokenRequestCount('reporting') - before).toBe(1);
  });

  for (const authMethod of ['client_secret_basic', 'client_secret_post'] as const) {
    it(`${authMethod} works with a secret containing : % / space + = & ? and "`, async () => {
      const client = createTokenClient({
        issuer: stack.as.issuer,
        clientId: 'legacy-exporter',
        clientSecret: secret('legacy-exporter'),
        scope: 'data:read',
        authMethod,
      });
      const before = stack.as.tokenRequestCount('legacy-exporter');
      const token = await client.getToken();
      expect(stack.as.tokenRequestCount('legacy-exporter') - before).toBe(1);
      const res = await request(`${stack.apis[0]!.url}/data`, { token });
      expect(res.status).toBe(200);
      expect((res.body as { client: string }).client).toBe('legacy-exporter');
    });
  }

  it('a wrong secret is an InvalidClientError and is not retried', async () => {
    const client = createTokenClient({
      issuer: stack.as.issuer,
      clientId: 'reporting',
      clientSecret: 'wrong-secret',
      scope: 'data:read',
    });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidClientError);
    expect((error as InvalidClientError).error).toBe('invalid_client');
    expect(String((error as Error).message)).not.toContain('wrong-secret');
  });

  it('a scope the client is not registered for is an InvalidScopeError', async () => {
    const client = createTokenClient({
      issuer: stack.as.issuer,
      clientId: 'tiny-quota',
      clientSecret: secret('tiny-quota'),
      scope: 'data:write',
    });
    const error = await client.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidScopeError);
    expect((error as InvalidScopeError).error).toBe('invalid_scope');
  });
});
