/** Rejections are real errors: default contract formatting, and restyling by the application. */
import { InsufficientScopeError, isScopegateError, type ScopegateError } from '@scopegate/core';
import Fastify, { type FastifyError } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import scopegate from '../src/index.js';
import { bearer, createTestIssuer, type TestIssuer } from './helpers.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe('default formatting', () => {
  it('onError hooks see the ScopegateError with its statusCode; the reply is the contract body', async () => {
    const app = Fastify();
    const seen: unknown[] = [];
    app.addHook('onError', async (_request, _reply, error) => {
      seen.push(error);
    });
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.get('/data', async () => 'ok');
    const res = await app.inject({ url: '/data' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'unauthorized', error_description: 'a bearer token is required' });
    expect(seen).toHaveLength(1);
    const error = seen[0] as ScopegateError;
    expect(isScopegateError(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error.statusCode).toBe(401);
    await app.close();
  });

  it('logs the rejection (info for 4xx) without the token', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.get('/data', async () => 'ok');
    const token = await issuer.sign({}, { expiresIn: -600 });
    const res = await app.inject({ url: '/data', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    const entries = lines.map(
      (line) => JSON.parse(line) as { level: number; msg: string; err?: { type: string } },
    );
    const rejection = entries.find((entry) => entry.err?.type === 'TokenExpiredError');
    expect(rejection?.level).toBe(30);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain(token.split('.')[2]);
    await app.close();
  });

  it('a ScopegateError thrown by a handler is formatted the same way', async () => {
    const app = Fastify();
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.get('/manual', async () => {
      throw new InsufficientScopeError(['billing:admin']);
    });
    const res = await app.inject({ url: '/manual', headers: bearer(await issuer.sign()) });
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="billing:admin"',
    );
    expect(res.json().error).toBe('insufficient_scope');
    await app.close();
  });

  it('other errors keep Fastify’s default handling', async () => {
    const app = Fastify();
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.get('/boom', async () => {
      throw Object.assign(new Error('teapot'), { statusCode: 418 });
    });
    const res = await app.inject({ url: '/boom', headers: bearer(await issuer.sign()) });
    expect(res.statusCode).toBe(418);
    expect(res.json()).toEqual({ statusCode: 418, error: "I'm a Teapot", message: 'teapot' });
    await app.close();
  });

  it('a route’s own errorHandler is kept and receives the rejection', async () => {
    const app = Fastify();
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.get(
      '/own',
      {
        errorHandler: (error, _request, reply) => {
          reply.code(error.statusCode ?? 500).send({ own: error.code });
        },
      },
      async () => 'ok',
    );
    const res = await app.inject({ url: '/own' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ own: 'unauthorized' });
    await app.close();
  });
});

describe('application error handlers restyle rejections', () => {
  const restyle = (
    error: FastifyError,
    _request: unknown,
    reply: { code(n: number): { send(b: unknown): unknown } },
  ) => {
    const status = error.statusCode ?? 500;
    return reply.code(status).send({ problem: error.code, status, scopegate: isScopegateError(error) });
  };

  it('setErrorHandler after registering, same context (no override warning, works with allowErrorHandlerOverride: false)', async () => {
    const app = Fastify({ allowErrorHandlerOverride: false });
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.setErrorHandler(restyle);
    app.get('/scoped', { config: { scopes: ['data:write'] } }, async () => 'ok');
    const missing = await app.inject({ url: '/scoped' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ problem: 'unauthorized', status: 401, scopegate: true });
    // headers are on the reply before the error is thrown, so restyled replies keep them
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');
    const forbidden = await app.inject({ url: '/scoped', headers: bearer(await issuer.sign()) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ problem: 'insufficient_scope', status: 403, scopegate: true });
    expect(forbidden.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="data:write"',
    );
    await app.close();
  });

  it('setErrorHandler before registering', async () => {
    const app = Fastify();
    app.setErrorHandler(restyle);
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.get('/data', async () => 'ok');
    const res = await app.inject({ url: '/data', headers: { authorization: 'Bearer' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ problem: 'invalid_request', status: 400, scopegate: true });
    await app.close();
  });

  it('setErrorHandler in a child context of the registering one', async () => {
    const app = Fastify();
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.get('/plain', async () => 'ok');
    await app.register(async (child) => {
      child.setErrorHandler(restyle);
      child.get('/styled', async () => 'ok');
    });
    const styled = await app.inject({ url: '/styled' });
    expect(styled.json()).toEqual({ problem: 'unauthorized', status: 401, scopegate: true });
    // the parent context keeps the contract format
    const plain = await app.inject({ url: '/plain' });
    expect(plain.json().error).toBe('unauthorized');
    await app.close();
  });

  it('an application error handler also receives errors of decorator hooks', async () => {
    const app = Fastify();
    await app.register(scopegate, { ...issuer.verifierOptions });
    app.setErrorHandler(restyle);
    app.get('/x', { config: { auth: false }, onRequest: app.requireScopes('data:read') }, async () => 'ok');
    const res = await app.inject({ url: '/x' });
    expect(res.json()).toEqual({ problem: 'unauthorized', status: 401, scopegate: true });
    await app.close();
  });

  it('emits no FSTWRN004 (the plugin never takes the context’s error handler)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => warnings.push(warning.code ?? warning.name);
    process.on('warning', onWarning);
    try {
      const app = Fastify();
      await app.register(scopegate, { ...issuer.verifierOptions });
      app.setErrorHandler(restyle);
      await app.ready();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('FSTWRN004');
      await app.close();
    } finally {
      process.off('warning', onWarning);
    }
  });
});
