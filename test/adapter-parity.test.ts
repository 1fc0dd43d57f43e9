/**
 * Both adapters and the gateway answer the same inputs identically: status,
 * WWW-Authenticate, JSON body (and the rate-limit policy header when one
 * applies). Each case also asserts the expected status, so the three cannot
 * agree on a wrong answer.
 */
import { connect } from 'node:net';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsToken, type HttpAnswer, request } from '../examples/demo/http.js';
import { type Stack, startStack } from '../examples/demo/stack.js';

let stack: Stack;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack();
  const get = async (clientId: string, scope: string, resource?: string) =>
    (await clientCredentialsToken(stack.as, clientId, { scope, resource })).access_token;
  // Obtained first: it expires after 1 s and is used last.
  tokens.shortLived = await get('short-lived', 'data:read');
  tokens.sync = await get('nightly-data-sync', 'data:read data:write');
  tokens.reporting = await get('reporting', 'data:read reports:read');
  tokens.tiny = await get('tiny-quota', 'data:read');
  tokens.otherAudience = await get('reporting', 'data:read', stack.as.otherAudience);
  tokens.user = (
    await stack.as.mintUserToken({ sub: 'user-carol', scope: 'data:read data:write' })
  ).access_token;
  const { privateKey } = await generateKeyPair('ES256');
  tokens.forged = await new SignJWT(decodeJwt(tokens.sync))
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: decodeProtectedHeader(tokens.sync).kid! })
    .sign(privateKey);
  const { privateKey: rsaKey } = await generateKeyPair('RS256');
  tokens.unknownKid = await new SignJWT(decodeJwt(tokens.sync))
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'not-a-published-kid' })
    .sign(rsaKey);
});

afterAll(async () => {
  await stack?.close();
});

interface Case {
  name: string;
  method?: string;
  path: string;
  authorization?: () => string | undefined;
  status: number;
  error?: string;
  body?: unknown;
}

/** The comparable part of an answer. */
function shape(answer: HttpAnswer) {
  return {
    status: answer.status,
    wwwAuthenticate: answer.wwwAuthenticate,
    body: answer.body,
    contentType: answer.headers.get('content-type')?.split(';')[0],
    rateLimitPolicy: answer.headers.get('ratelimit-policy'),
    retryAfter: answer.headers.get('retry-after') !== null,
  };
}

async function answersFor(c: Case) {
  const out: Record<string, ReturnType<typeof shape>> = {};
  for (const api of stack.apis) {
    const authorization = c.authorization?.();
    const answer = await request(`${api.url}${c.path}`, {
      method: c.method ?? 'GET',
      ...(authorization === undefined ? {} : { authorization }),
      ...(c.method === 'POST' ? { body: { value: 'parity' } } : {}),
    });
    out[api.name] = shape(answer);
  }
  return out;
}

function expectIdentical(c: Case, answers: Record<string, ReturnType<typeof shape>>) {
  const [first, ...rest] = Object.values(answers);
  for (const [name, answer] of Object.entries(answers)) {
    expect(answer.status, `${c.name} via ${name}`).toBe(c.status);
    if (c.error) expect((answer.body as { error: string }).error, `${c.name} via ${name}`).toBe(c.error);
    if (c.status >= 400) expect(answer.contentType, `${c.name} via ${name}`).toBe('application/json');
    if (c.body !== undefined) expect(answer.body, `${c.name} via ${name}`).toEqual(c.body);
  }
  for (const answer of rest) expect(answer).toEqual(first);
  return first!;
}

const cases: Case[] = [
  { name: 'no Authorization header', path: '/data', status: 401 },
  {
    name: 'empty Bearer',
    path: '/data',
    authorization: () => 'Bearer',
    status: 400,
    error: 'invalid_request',
  },
  { name: 'Basic scheme', path: '/data', authorization: () => 'Basic dXNlcjpwYXNz', status: 401 },
  {
    name: 'two tokens',
    path: '/data',
    authorization: () => 'Bearer a b',
    status: 400,
    error: 'invalid_request',
  },
  {
    name: 'not a JWT',
    path: '/data',
    authorization: () => 'Bearer not-a-jwt',
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'forged signature',
    path: '/data',
    authorization: () => `Bearer ${tokens.forged}`,
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'unknown kid',
    path: '/data',
    authorization: () => `Bearer ${tokens.unknownKid}`,
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'other audience',
    path: '/data',
    authorization: () => `Bearer ${tokens.otherAudience}`,
    status: 401,
    error: 'invalid_token',
  },
  {
    name: 'missing scope',
    method: 'POST',
    path: '/data',
    authorization: () => `Bearer ${tokens.reporting}`,
    status: 403,
    error: 'insufficient_scope',
  },
  {
    name: 'user on machines-only route',
    method: 'POST',
    path: '/sync',
    authorization: () => `Bearer ${tokens.user}`,
    status: 403,
    error: 'insufficient_scope',
  },
  { name: 'public /health without a token', path: '/health', status: 200, body: { status: 'ok' } },
];

describe('identical answers from express, fastify and the gateway', () => {
  for (const c of cases) {
    it(c.name, async () => {
      expectIdentical(c, await answersFor(c));
    });
  }

  it('no token: 401 with a bare challenge (RFC 6750 3.1) and the unauthorized body', async () => {
    const answer = expectIdentical(cases[0]!, await answersFor(cases[0]!));
    expect(answer.wwwAuthenticate).toBe('Bearer realm="api"');
    expect((answer.body as { error: string }).error).toBe('unauthorized');
  });

  it('missing scope: the challenge names the required scope', async () => {
    const c = cases.find((x) => x.name === 'missing scope')!;
    const answer = expectIdentical(c, await answersFor(c));
    expect(answer.wwwAuthenticate).toBe('Bearer realm="api", error="insufficient_scope", scope="data:write"');
  });

  it('over the limit: 429, Retry-After, same body and policy (limit from the AS: 3/min)', async () => {
    const c: Case = {
      name: 'rate limited',
      path: '/data',
      authorization: () => `Bearer ${tokens.tiny}`,
      status: 200,
    };
    // Admitted requests reach three different backends (bodies differ); compare statuses only.
    for (let i = 0; i < 3; i++) {
      const admitted = await answersFor(c);
      expect(Object.values(admitted).map((a) => a.status)).toEqual([200, 200, 200]);
      expect(Object.values(admitted).map((a) => a.rateLimitPolicy)).toEqual(
        Array(3).fill('"client";q=3;w=60'),
      );
    }
    const answer = expectIdentical({ ...c, status: 429, error: 'rate_limited' }, await answersFor(c));
    expect(answer.wwwAuthenticate).toBeNull();
    expect(answer.retryAfter).toBe(true);
    expect(answer.rateLimitPolicy).toBe('"client";q=3;w=60');
  });

  // Node keeps only the first of repeated Authorization lines in req.headers, and its HTTP client
  // will not send two: a raw socket does. Whichever copy comes first, the answer is 400.
  it.each([
    ['the valid token first', () => [`Bearer ${tokens.sync}`, 'Bearer junk']],
    ['the valid token second', () => ['Bearer junk', `Bearer ${tokens.sync}`]],
    ['the same token twice', () => [`Bearer ${tokens.sync}`, `bearer ${tokens.sync}`]],
  ])('two Authorization headers (%s): 400 invalid_request', async (_n, values) => {
    const answers: Record<string, unknown> = {};
    for (const api of stack.apis) {
      const { status, headers, body } = await rawGet(`${api.url}/data`, [
        `Authorization: ${values()[0]}`,
        `authorization: ${values()[1]}`,
      ]);
      answers[api.name] = { status, wwwAuthenticate: headers['www-authenticate'], body };
    }
    const [first, ...rest] = Object.values(answers);
    for (const other of rest) expect(other).toEqual(first);
    expect(first).toEqual({
      status: 400,
      wwwAuthenticate:
        'Bearer realm="api", error="invalid_request", error_description="the request has more than one Authorization header"',
      body: {
        error: 'invalid_request',
        error_description: 'the request has more than one Authorization header',
      },
    });
  });

  it('expired token: 401 invalid_token about exp', async () => {
    const { exp } = decodeJwt(tokens.shortLived!);
    await new Promise((resolve) => setTimeout(resolve, (exp! + 6) * 1000 - Date.now()));
    const c: Case = {
      name: 'expired',
      path: '/data',
      authorization: () => `Bearer ${tokens.shortLived}`,
      status: 401,
      error: 'invalid_token',
    };
    const answer = expectIdentical(c, await answersFor(c));
    expect(answer.wwwAuthenticate).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description=".*exp/,
    );
  }, 15_000);
});

/** A GET with the given raw header lines, over a socket of its own; the answer's status, headers and JSON body. */
function rawGet(url: string, lines: readonly string[]) {
  const { hostname, port, pathname } = new URL(url);
  return new Promise<{ status: number; headers: Record<string, string>; body: unknown }>(
    (resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          [
            `GET ${pathname} HTTP/1.1`,
            `Host: ${hostname}:${port}`,
            ...lines,
            'Connection: close',
            '',
            '',
          ].join('\r\n'),
        );
      });
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        raw += chunk;
      });
      socket.on('error', reject);
      socket.on('end', () => {
        const [head = '', body = ''] = raw.split('\r\n\r\n');
        const [statusLine = '', ...headerLines] = head.split('\r\n');
        const headers = Object.fromEntries(
          headerLines.map((line) => [
            line.slice(0, line.indexOf(':')).toLowerCase(),
            line.slice(line.indexOf(':') + 1).trim(),
          ]),
        );
        resolve({
          status: Number(statusLine.split(' ')[1]),
          headers,
          body: body === '' ? undefined : JSON.parse(body),
        });
      });
    },
  );
}
