/**
 * The HTTP face of a test issuer: a `node:http` server on 127.0.0.1 (never
 * another interface) with an ephemeral port, answering
 * `GET /.well-known/openid-configuration`,
 * `GET /.well-known/oauth-authorization-server` (RFC 8414) and
 * `GET /jwks.json`. Every answer is computed at request time, so a key
 * rotation shows in the next JWKS fetch. It does not keep the process alive.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Path of the JWK Set. */
export const JWKS_PATH = '/jwks.json';
/** Paths of the two metadata documents (OpenID Connect Discovery, RFC 8414). */
export const METADATA_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
];

/** What the server serves; both called per request. */
export interface JwksServerContent {
  /** The metadata document for the server's base URL (`http://127.0.0.1:<port>/`). */
  metadata(baseUrl: string): Record<string, unknown>;
  /** The JWK Set. */
  jwks(): unknown;
}

/** A running server. */
export interface JwksServer {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** Stops accepting connections, drops open ones, and resolves once closed. Idempotent. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Starts the server. */
export async function startJwksServer(content: JwksServerContent): Promise<JwksServer> {
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => {});
    const path = new URL(req.url ?? '/', baseUrl).pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    } else if (path === JWKS_PATH) {
      send(res, 200, content.jwks());
    } else if (METADATA_PATHS.includes(path)) {
      send(res, 200, content.metadata(baseUrl));
    } else {
      send(res, 404, { error: 'not_found' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A forgotten close() must not keep a test process running.
  server.unref();
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
