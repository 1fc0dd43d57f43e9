/**
 * The plugin refuses option names it does not know, at registration: a
 * misspelt option would otherwise be dropped and its default applied.
 * Fastify's own register options (`prefix`, `logLevel`, `logSerializers`)
 * reach the plugin too and are accepted.
 */
import { ConfigurationError, type ScopegateEvent } from '@scopegate/core';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import scopegate from '../src/index.js';
import { bearer, createTestIssuer, type TestIssuer } from './helpers.js';

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});

async function refusal(options: object): Promise<ConfigurationError> {
  const app = Fastify();
  try {
    await app.register(scopegate, options as never);
    await app.ready();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  } finally {
    await app.close().catch(() => undefined);
  }
  throw new Error('expected a ConfigurationError');
}

describe('plugin option names', () => {
  it('a plugin option misspelt: refused, with the name meant', async () => {
    const error = await refusal({ ...issuer.verifierOptions, authrequired: false });
    expect(error.message).toContain(
      '@scopegate/fastify: unknown option `authrequired` (did you mean `authRequired`?)',
    );
  });

  it('a verifier option misspelt: refused, naming it; values never appear', async () => {
    const error = await refusal({ ...issuer.verifierOptions, audiences: 'sekrit-value' });
    expect(error.message).toContain('`audiences` (did you mean `audience`?)');
    expect(error.message).not.toContain('sekrit');
  });

  it('nested rateLimit options are checked too', async () => {
    const error = await refusal({ ...issuer.verifierOptions, rateLimit: { appliesto: 'all' } });
    expect(error.message).toContain('rateLimit: unknown option `appliesto` (did you mean `appliesTo`?)');
  });

  it("Fastify's register options are accepted, and change nothing (fastify-plugin skips them)", async () => {
    const app = Fastify();
    await app.register(
      async (scope) => {
        await scope.register(scopegate, {
          ...issuer.verifierOptions,
          prefix: '/ignored',
          logLevel: 'warn',
          logSerializers: { req: () => 'r' },
        });
        scope.get('/data', async (request) => ({ client: request.auth?.clientId }));
      },
      { prefix: '/v1' },
    );
    const denied = await app.inject({ url: '/v1/data' });
    expect(denied.statusCode).toBe(401);
    const res = await app.inject({ url: '/v1/data', headers: bearer(await issuer.sign()) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ client: 'svc-a' });
    await app.close();
  });

  it('beside `verifier`: register options and unset (undefined) verifier options pass', async () => {
    const first = Fastify();
    await first.register(scopegate, { ...issuer.verifierOptions });
    await first.ready();
    const second = Fastify();
    await second.register(scopegate, {
      verifier: first.scopegate.verifier,
      prefix: '/p',
      realm: undefined,
    } as never);
    await second.ready();
    await Promise.all([first.close(), second.close()]);
  });

  it('beside `verifier`, scopeMatch applies (wildcard scopes then satisfy)', async () => {
    const first = Fastify();
    await first.register(scopegate, { ...issuer.verifierOptions });
    await first.ready();
    const { verifier } = first.scopegate;
    const token = await issuer.sign({ scope: 'data:*' });
    for (const [scopeMatch, status] of [
      ['wildcard', 200],
      [undefined, 403],
    ] as const) {
      const app = Fastify();
      await app.register(scopegate, { verifier, ...(scopeMatch ? { scopeMatch } : {}) });
      app.get('/data', { config: { scopes: ['data:read'] } }, async () => 'ok');
      expect((await app.inject({ url: '/data', headers: bearer(token) })).statusCode).toBe(status);
      await app.close();
    }
    await first.close();
  });

  it('beside `verifier`, any verifier option but scopeMatch and onEvent is refused', async () => {
    const first = Fastify();
    await first.register(scopegate, { ...issuer.verifierOptions });
    await first.ready();
    const { verifier } = first.scopegate;
    const error = await refusal({ verifier, clockToleranceSec: 30 });
    expect(error.message).toMatch(/either `verifier` or verifier options.*clockToleranceSec/);

    const events: ScopegateEvent[] = [];
    const second = Fastify();
    await second.register(scopegate, {
      verifier,
      onEvent: (event) => events.push(event),
      rateLimit: { defaultPerMinute: 5, clientMetadata: () => Promise.reject(new Error('down')) },
    });
    second.get('/data', async () => 'ok');
    const res = await second.inject({ url: '/data', headers: bearer(await issuer.sign()) });
    expect(res.statusCode).toBe(200);
    expect(events.map((event) => event.type)).toContain('rate_limit_metadata_failed');
    await Promise.all([first.close(), second.close()]);
  });
});
