/**
 * Issue 7's multi-instance check with real processes: one Express API and one
 * Fastify API, each its own Node.js process with its own Redis client
 * (ioredis, node-redis) and its own `createRedisStore`, built packages only.
 * A client limited to 10 per minute sending 30 requests alternating between
 * them gets exactly 10 through.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectIoredis,
  deleteKeys,
  requireSharedRedis,
  type TestClient,
  uniquePrefix,
} from '../packages/redis/test/redis-test-helpers.js';
import { createClientTokenIssuer } from './support/client-token-issuer.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/limited-api.js', import.meta.url));
const ISSUER = 'https://issuer.multi-process.test/';
const AUDIENCE = 'https://api.multi-process.test';
const available = await requireSharedRedis();

describe.skipIf(!available)('two API processes sharing one Redis store', () => {
  const prefix = uniquePrefix();
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  let sign: (clientId: string) => Promise<string>;
  let redis: TestClient;

  function start(framework: string, env: Record<string, string>): Promise<string> {
    const child = spawn(process.execPath, [fixture, framework], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`${framework} did not start: ${err}`)), 15_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = out.match(/PORT (\d+)/);
        if (match) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${match[1]}/data`);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${framework} exited with ${code}: ${err}`));
      });
    });
  }

  beforeAll(async () => {
    for (const pkg of ['core', 'express', 'fastify', 'redis']) {
      if (!existsSync(`${root}packages/${pkg}/dist/index.js`))
        throw new Error(`packages/${pkg}/dist is missing: build first (npx pnpm@12.21.0 build)`);
    }
    const issuer = await createClientTokenIssuer(ISSUER, AUDIENCE);
    const jwks = issuer.jwks;
    sign = issuer.token;
    const env = {
      ISSUER,
      AUDIENCE,
      PREFIX: prefix,
      JWKS: JSON.stringify(jwks),
      LIMITS: JSON.stringify({ 'limited-client': { rate_limit_per_minute: 10 } }),
    };
    urls.push(...(await Promise.all([start('express', env), start('fastify', env)])));
    redis = await connectIoredis();
  }, 30_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    if (redis) {
      await deleteKeys(redis.sendCommand, prefix);
      await redis.close();
    }
  });

  it('admits exactly 10 of 30 requests alternating between the Express and the Fastify process', async () => {
    const token = await sign('limited-client');
    const statuses: number[] = [];
    const instances = new Set<string>();
    const pids = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const response = await fetch(urls[i % 2]!, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(response.status);
      if (response.status === 200) {
        const body = (await response.json()) as { instance: string; pid: number };
        instances.add(body.instance);
        pids.add(body.pid);
      } else {
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
        await response.arrayBuffer();
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(10)).toEqual(Array(20).fill(429));
    expect(instances).toEqual(new Set(['express', 'fastify']));
    expect(pids.size).toBe(2);
    expect(pids.has(process.pid)).toBe(false);
  });
});
