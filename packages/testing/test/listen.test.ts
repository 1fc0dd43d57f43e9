/**
 * listen(): the issuer over HTTP on 127.0.0.1. Discovery (both metadata
 * documents) and jwksUri work with the real verifier over plain-http
 * loopback; the JWK Set follows rotation; the listening object mints with
 * the server URL as `iss` while the in-memory issuer keeps its own; the
 * server binds loopback only and closes cleanly.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createVerifier, type ScopegateEvent } from '@scopegate/core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestIssuer,
  DEFAULT_ISSUER,
  type ListeningTestIssuer,
  type PublicJwkSet,
  type TestIssuer,
} from '../src/index.js';
import { requestPath, startJwksServer } from '../src/jwks-server.js';
import { decode, expectRefused } from './helpers.js';

let idp: TestIssuer;
let server: ListeningTestIssuer;
beforeAll(async () => {
  idp = await createTestIssuer({ alg: 'ES256' });
  server = await idp.listen();
});
afterAll(async () => {
  await server.close();
});

const getJson = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
};

describe('the listening issuer', () => {
  it('is http://127.0.0.1:<port>/, which is also its issuer; the JWK Set is at /jwks.json', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.issuer).toBe(server.url);
    expect(server.jwksUri).toBe(`${server.url}jwks.json`);
    expect(server.verifierOptions).toEqual({
      issuer: server.url,
      audience: idp.audience,
      jwksUri: server.jwksUri,
    });
  });

  it('mints with the server URL as iss; the in-memory issuer keeps its own', async () => {
    expect(decode(await server.clientToken('svc')).payload.iss).toBe(server.url);
    expect(decode(await idp.clientToken('svc')).payload.iss).toBe(DEFAULT_ISSUER);
    expect(idp.issuer).toBe(DEFAULT_ISSUER);
    // a token of the in-memory issuer is not one of the listening issuer's
    const verifier = createVerifier({ ...server.verifierOptions });
    await expectRefused(verifier.verify(await idp.clientToken('svc')), 'iss');
  });

  it('serves both metadata documents with the issuer and jwks_uri', async () => {
    for (const path of ['.well-known/openid-configuration', '.well-known/oauth-authorization-server']) {
      const { status, headers, body } = await getJson(`${server.url}${path}`);
      expect(status).toBe(200);
      expect(headers.get('content-type')).toBe('application/json');
      expect(body).toEqual({ issuer: server.issuer, jwks_uri: server.jwksUri });
    }
  });

  it('serves the current JWK Set', async () => {
    const { status, body } = await getJson(server.jwksUri);
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(idp.jwks)));
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await fetch(`${server.url}token`)).status).toBe(404);
    const post = await fetch(server.jwksUri, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(server.jwksUri, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('works with the verifier through discovery (issuer and audience only)', async () => {
    const events: ScopegateEvent[] = [];
    const verifier = createVerifier({
      issuer: server.issuer,
      audience: server.audience,
      onEvent: (event) => events.push(event),
    });
    const auth = await verifier.verify(await server.clientToken('svc', 'data:read'));
    expect(auth).toMatchObject({ issuer: server.url, subjectType: 'client', clientId: 'svc' });
    expect(events).toContainEqual({ type: 'discovery', issuer: server.issuer, jwksUri: server.jwksUri });
    const user = await verifier.verify(await server.userToken('alice', 'data:read'));
    expect(user.subjectType).toBe('user');
  });

  it('works with the verifier through jwksUri (verifierOptions)', async () => {
    const verifier = createVerifier({ ...server.verifierOptions });
    await expect(verifier.verify(await server.clientToken('svc'))).resolves.toMatchObject({
      clientId: 'svc',
    });
    await expectRefused(verifier.verify(await server.invalidToken('forged')), 'signature');
    await expectRefused(verifier.verify(await server.invalidToken('wrong-issuer')), 'iss');
  });

  it('several listen() calls give separate servers over the same keys', async () => {
    const second = await idp.listen();
    try {
      expect(second.url).not.toBe(server.url);
      expect(second.jwks).toBe(server.jwks);
      const verifier = createVerifier({ ...second.verifierOptions });
      await expect(verifier.verify(await second.clientToken('svc'))).resolves.toBeDefined();
      await expectRefused(verifier.verify(await server.clientToken('svc')), 'iss');
    } finally {
      await second.close();
    }
  });
});

describe('rotation over HTTP', () => {
  it('the JWK Set follows rotateKeys(), and a verifier picks up the new kid without restarting', async () => {
    const issuer = await createTestIssuer({ alg: 'EdDSA' });
    const listening = await issuer.listen();
    try {
      const verifier = createVerifier({ ...listening.verifierOptions, jwksCache: { cooldownMs: 0 } });
      const firstKid = listening.kid;
      await expect(verifier.verify(await listening.clientToken('svc'))).resolves.toBeDefined();
      const retiredToken = await listening.clientToken('svc', 'b');

      // the listening object and the in-memory issuer share their keys: either may rotate
      const newKid = await issuer.rotateKeys({ keepOld: false });
      expect(listening.kid).toBe(newKid);
      const served = (await getJson(listening.jwksUri)).body as unknown as PublicJwkSet;
      expect(served.keys.map((key) => key.kid)).toEqual([newKid]);

      await expect(verifier.verify(await listening.clientToken('svc'))).resolves.toMatchObject({
        header: { kid: newKid },
      });
      // not verified before the rotation (so not in the verified-token cache): its key is gone
      expect(decode(retiredToken).header.kid).toBe(firstKid);
      await expectRefused(verifier.verify(retiredToken), 'kid');
    } finally {
      await listening.close();
    }
  });
});

describe('an explicit issuer', () => {
  it('stays the iss after listen(), and is what the metadata says; jwksUri works', async () => {
    const issuer = await createTestIssuer({ issuer: 'https://auth.example.test/', alg: 'ES256' });
    const listening = await issuer.listen();
    try {
      expect(listening.issuer).toBe('https://auth.example.test/');
      expect(listening.url).not.toBe(listening.issuer);
      expect(decode(await listening.clientToken('svc')).payload.iss).toBe('https://auth.example.test/');
      expect((await getJson(`${listening.url}.well-known/openid-configuration`)).body).toEqual({
        issuer: 'https://auth.example.test/',
        jwks_uri: listening.jwksUri,
      });
      const verifier = createVerifier({ ...listening.verifierOptions });
      await expect(verifier.verify(await listening.clientToken('svc'))).resolves.toMatchObject({
        issuer: 'https://auth.example.test/',
      });
    } finally {
      await listening.close();
    }
  });
});

/** Resolves the error code of a TCP connection attempt, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** Sends `head` (a request line and headers, without the blank line) on a raw socket; resolves status and body. */
function rawRequest(port: number, head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(2000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(head)}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]);
      if (Number.isNaN(status)) reject(new Error(`no HTTP answer to ${JSON.stringify(head)}: ${text}`));
      else resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.end(`${head}\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

describe('request targets', () => {
  // new URL() throws on some of these; a throw in the request handler would crash the test process
  it('answers whatever the request line says, and stays up', async () => {
    const listening = await idp.listen();
    const port = Number(new URL(listening.url).port);
    try {
      const cases: [string, number][] = [
        ['GET //[ HTTP/1.1', 404],
        ['GET http://[ HTTP/1.1', 400],
        ['GET http://[/jwks.json HTTP/1.1', 400],
        ['GET http:///jwks.json HTTP/1.1', 400],
        ['GET http://user@host/jwks.json HTTP/1.1', 400],
        ['GET * HTTP/1.1', 400],
        ['OPTIONS * HTTP/1.1', 400],
        ['HEAD http://[ HTTP/1.1', 400],
        ['POST http://[ HTTP/1.1', 400],
        ['GET /[ HTTP/1.1', 404],
        ['GET /%5B HTTP/1.1', 404],
        ['GET /jwks.json/ HTTP/1.1', 404],
        ['GET /./jwks.json HTTP/1.1', 404],
        ['GET http://127.0.0.1 HTTP/1.1', 404],
        ['GET /jwks.json?x=[ HTTP/1.1', 200],
        ['GET http://[::1]:80/jwks.json HTTP/1.1', 200],
        [`GET ${listening.jwksUri}?x HTTP/1.1`, 200],
        ['GET HTTP://ANY.HOST/jwks.json HTTP/1.1', 200],
      ];
      for (const [head, status] of cases) {
        expect((await rawRequest(port, head)).status, head).toBe(status);
        // still up, on a new connection
        expect((await fetch(listening.jwksUri)).status, `after ${head}`).toBe(200);
      }
      expect(JSON.parse((await rawRequest(port, 'GET http://[ HTTP/1.1')).body)).toEqual({
        error: 'invalid_request',
      });
      expect((await rawRequest(port, 'HEAD http://[ HTTP/1.1')).body).toBe('');
    } finally {
      await listening.close();
    }
  });

  it('serves paths with repeated leading slashes, as clients build them from an issuer ending in /', async () => {
    const listening = await idp.listen();
    const port = Number(new URL(listening.url).port);
    try {
      // a naive client: issuer + '/.well-known/openid-configuration'
      const naive = `${listening.issuer}/.well-known/openid-configuration`;
      expect(naive).toContain('//.well-known');
      const res = await getJson(naive);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ issuer: listening.issuer, jwks_uri: listening.jwksUri });
      for (const head of [
        'GET //.well-known/openid-configuration HTTP/1.1',
        'GET ///.well-known/oauth-authorization-server HTTP/1.1',
        'GET //jwks.json HTTP/1.1',
        `GET ${listening.url}/jwks.json HTTP/1.1`,
      ]) {
        const answer = await rawRequest(port, head);
        expect(answer.status, head).toBe(200);
        expect(JSON.parse(answer.body), head).toEqual(
          head.includes('jwks')
            ? JSON.parse(JSON.stringify(idp.jwks))
            : { issuer: listening.issuer, jwks_uri: listening.jwksUri },
        );
      }
      // only leading slashes collapse
      expect((await rawRequest(port, 'GET /.well-known//openid-configuration HTTP/1.1')).status).toBe(404);
    } finally {
      await listening.close();
    }
  });
});

describe('requestPath', () => {
  it.each([
    ['/jwks.json', '/jwks.json'],
    ['/jwks.json?a=b', '/jwks.json'],
    ['/jwks.json#x', '/jwks.json'],
    ['//.well-known/openid-configuration', '/.well-known/openid-configuration'],
    ['///jwks.json?', '/jwks.json'],
    ['//[', '/['],
    ['/', '/'],
    ['//', '/'],
    ['http://127.0.0.1:8080/jwks.json?x', '/jwks.json'],
    ['https://example.test//jwks.json', '/jwks.json'],
    ['http://[::1]/a', '/a'],
    ['http://h', '/'],
    ['http://h?x', '/'],
    ['http://[', undefined],
    ['http://[/jwks.json', undefined],
    ['http://[?x', undefined],
    ['http:///jwks.json', undefined],
    ['http://u:p@h/jwks.json', undefined],
    ['http://h:port/jwks.json', undefined],
    ['ftp://h/jwks.json', undefined],
    ['*', undefined],
    ['127.0.0.1:443', undefined],
    ['', undefined],
  ])('%j gives %j', (target, path) => {
    expect(requestPath(target)).toBe(path);
  });
});

describe('the request handler', () => {
  it('answers 500 when the content throws, and stays up', async () => {
    let fail = true;
    const server = await startJwksServer({
      metadata: () => ({}),
      jwks: () => {
        if (fail) throw new Error('boom');
        return { keys: [] };
      },
    });
    try {
      const res = await fetch(`${server.url}jwks.json`, { signal: AbortSignal.timeout(2000) });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'server_error' });
      fail = false;
      expect((await fetch(`${server.url}jwks.json`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('the server', () => {
  it('binds 127.0.0.1 only', async () => {
    const listening = await idp.listen();
    const port = Number(new URL(listening.url).port);
    try {
      expect(await tryConnect('127.0.0.1', port)).toBe('connected');
      expect(await tryConnect('::1', port)).not.toBe('connected');
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address !== undefined && !address.internal && address.family === 'IPv4');
      if (external !== undefined) expect(await tryConnect(external.address, port)).not.toBe('connected');
    } finally {
      await listening.close();
    }
  });

  it('does not keep the process alive (a forgotten close() cannot hang the test run)', async () => {
    const servers = () => process.getActiveResourcesInfo().filter((type) => type === 'TCPServerWrap').length;
    const before = servers();
    const listening = await idp.listen();
    try {
      expect(servers()).toBe(before);
    } finally {
      await listening.close();
    }
  });

  it('a process that forgets close() after a keep-alive request exits at once', async () => {
    // A child process runs this package's server (src/jwks-server.ts, transpiled: the test
    // runs against the sources, and the server has no imports but node's), makes one
    // keep-alive request, lets go of its socket, and never calls close().
    const source = readFileSync(fileURLToPath(new URL('../src/jwks-server.ts', import.meta.url)), 'utf8');
    const server = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const code = `${server}
import { connect as connectForTest } from 'node:net';
const started = await startJwksServer({ metadata: () => ({}), jwks: () => ({ keys: [] }) });
const socket = connectForTest({ host: '127.0.0.1', port: Number(new URL(started.url).port) });
socket.once('data', (data) => {
  socket.unref();
  console.log(String(data).split('\\r\\n')[0]);
});
socket.write('GET /jwks.json HTTP/1.1\\r\\nHost: x\\r\\nConnection: keep-alive\\r\\n\\r\\n');
`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      let answeredAt: number | undefined;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
        answeredAt ??= Date.now();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      const exited = await new Promise<number | null>((resolve) => {
        child.once('exit', (code) => resolve(code));
        // without the fix the server's end of the connection holds the process until the
        // keep-alive timeout (5 s)
        setTimeout(() => resolve(null), 10_000).unref();
      });
      expect(stderr).toBe('');
      expect(stdout.trim()).toBe('HTTP/1.1 200 OK');
      expect(exited, 'the child did not exit').toBe(0);
      expect(Date.now() - (answeredAt ?? 0)).toBeLessThan(1500);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });

  it('closes promptly, also with a request half sent and a keep-alive connection open; close() is idempotent', async () => {
    const listening = await idp.listen();
    const port = Number(new URL(listening.url).port);
    // fetch keeps the connection alive after this request (idle: server.close() alone drops it)
    expect((await fetch(listening.jwksUri)).status).toBe(200);
    // a request without its final blank line: not idle, so server.close() alone would wait
    // for it (until the 60 s headers timeout); close() must force it
    const halfSent = connect({ host: '127.0.0.1', port });
    const halfSentClosed = new Promise<void>((resolve) => halfSent.once('close', () => resolve()));
    halfSent.on('error', () => {});
    await new Promise<void>((resolve) => halfSent.once('connect', () => resolve()));
    halfSent.write('GET /jwks.json HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const within = <T>(promise: Promise<T>, ms: number) =>
      Promise.race([
        promise,
        new Promise((resolve) => setTimeout(() => resolve(`nothing after ${ms} ms`), ms)),
      ]);
    try {
      const started = Date.now();
      const closing = listening.close().then(() => 'closed');
      expect(await within(closing, 2000)).toBe('closed');
      expect(Date.now() - started).toBeLessThan(1000);
      // the server dropped the half-sent request's connection
      const dropped = halfSentClosed.then(() => 'dropped');
      expect(await within(dropped, 1000)).toBe('dropped');
    } finally {
      halfSent.destroy();
    }
    await listening.close();
    expect(await tryConnect('127.0.0.1', port)).toBe('ECONNREFUSED');
    // minting needs no server
    await expect(listening.clientToken('svc')).resolves.toMatch(/^ey/);
  });
});
