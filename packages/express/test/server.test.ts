/**
 * A real listening server per Express major (127.0.0.1, port 0) and fetch:
 * the middleware over an actual socket, including keys that cannot be fetched.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, requireScopes } from '../src/index.js';
import { frameworks } from './helpers/app.js';
import {
  AUDIENCE,
  clientClaims,
  close,
  closedPortUrl,
  ISSUER,
  listen,
  makeKey,
  signWith,
  startJwksServer,
  type TestKey,
} from './helpers/tokens.js';

let key: TestKey;
let jwks: { server: Server; url: string; hits: () => number };
let token: string;

beforeAll(async () => {
  key = await makeKey('live');
  jwks = await startJwksServer([key]);
  token = await signWith(key, clientClaims('live-client', 'data:read'));
});

afterAll(async () => {
  await close(jwks.server);
});

describe.each(frameworks)('%s: real listening server', (_name, express) => {
  let server: Server;
  let base: string;
  let downServer: Server;
  let downBase: string;

  beforeAll(async () => {
    const app = express();
    app.use(
      auth({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: jwks.url,
        rateLimit: { clientMetadata: { 'live-client': { rate_limit_per_minute: 2 } } },
      }),
    );
    app.get('/data', requireScopes('data:read'), (req, res) => {
      res.json({ clientId: req.auth?.clientId });
    });
    server = app.listen(0, '127.0.0.1');
    base = await new Promise<string>((resolve) =>
      server.once('listening', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '');
      }),
    );

    const down = express();
    down.use(auth({ issuer: ISSUER, audience: AUDIENCE, jwksUri: await closedPortUrl() }));
    down.get('/data', (_req, res) => {
      res.json({ leaked: true });
    });
    downServer = (await import('node:http')).createServer(down);
    downBase = await listen(downServer);
  });

  afterAll(async () => {
    await close(server);
    await close(downServer);
  });

  it('401 without a token, 200 with one, then 429 at the client limit', async () => {
    const none = await fetch(`${base}/data`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await none.json()).toEqual({ error: 'unauthorized', error_description: expect.any(String) });

    const headers = { authorization: `Bearer ${token}` };
    const first = await fetch(`${base}/data`, { headers });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ clientId: 'live-client' });
    expect(first.headers.get('ratelimit-policy')).toBe('"client";q=2;w=60');
    expect((await fetch(`${base}/data`, { headers })).status).toBe(200);
    const limited = await fetch(`${base}/data`, { headers });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('www-authenticate')).toBeNull();
    expect(((await limited.json()) as { error: string }).error).toBe('rate_limited');
  });

  it('503 with Retry-After when the JWKS endpoint is unreachable', async () => {
    const res = await fetch(`${downBase}/data`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe('temporarily_unavailable');
  });
});
