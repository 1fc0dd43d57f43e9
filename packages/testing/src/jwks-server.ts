/**
 * The HTTP face of a test issuer: a `node:http` server on 127.0.0.1 (never
 * another interface) with an ephemeral port, answering
 * `GET /.well-known/openid-configuration`,
 * `GET /.well-known/oauth-authorization-server` (RFC 8414) and
 * `GET /jwks.json`. Every answer is computed at request time, so a key
 * rotation shows in the next JWKS fetch. It does not keep the process alive.
 *
 * The path is read from the raw request target by {@link requestPath}, never
 * by `new URL()`: a target such as `//[` or `http://[` makes `new URL()`
 * throw, and a throw in a request handler is an uncaught exception that ends
 * the test process. Such targets get a 400; nothing a client sends can throw.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Path of the JWK Set. */
export const JWKS_PATH = '/jwks.json';
/** Paths of the two metadata documents (OpenID Connect Discovery, RFC 8414). */
export const METADATA_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
];

/** A valid authority of an absolute-form target: a host name or IPv4 address, or an IP literal, then an optional port (no userinfo). */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[\w.~!$&'()*+,;=%-]+)(?::\d{0,5})?$/;
/** Scheme and authority of an absolute-form target. */
const ABSOLUTE_FORM = /^https?:\/\/([^/]*)/i;

/**
 * The path of a request target (RFC 9112 §3.2), found without URL parsing:
 * - origin-form `/path?query`: `/path`;
 * - absolute-form `http://host[:port]/path?query` (what a client sends to a
 *   proxy): `/path`, or `/` when it has none; `undefined` when the authority
 *   is not a host and optional port (`http://[`);
 * - anything else (asterisk-form `*`, authority-form `host:port`): `undefined`.
 *
 * Repeated leading slashes are collapsed to one, so `//jwks.json` and
 * `//.well-known/openid-configuration` are served: clients that append
 * `/.well-known/…` to an issuer ending in `/` (as this server's does) send
 * them, and no other path on this server begins with `//`. Nothing else is
 * normalised (no percent-decoding, no dot segments): such paths answer 404.
 */
export function requestPath(target: string): string | undefined {
  const end = target.search(/[?#]/);
  let path = end === -1 ? target : target.slice(0, end);
  if (!path.startsWith('/')) {
    const absolute = ABSOLUTE_FORM.exec(path);
    if (absolute === null || !AUTHORITY.test(absolute[1] ?? '')) return undefined;
    path = path.slice(absolute[0].length) || '/';
  }
  return path.replace(/^\/{2,}/, '/');
}

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
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const path = requestPath(req.url ?? '');
    if (path === undefined) {
      send(res, 400, { error: 'invalid_request' });
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    } else if (path === JWKS_PATH) {
      send(res, 200, content.jwks());
    } else if (METADATA_PATHS.includes(path)) {
      send(res, 200, content.metadata(baseUrl));
    } else {
      send(res, 404, { error: 'not_found' });
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => {});
    // A throw here would be an uncaught exception: it would end the test process.
    try {
      answer(req, res);
    } catch {
      if (res.headersSent) res.destroy();
      else send(res, 500, { error: 'server_error' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A forgotten close() must not keep a test process running: neither the
  // listening handle nor an accepted connection (a client's idle keep-alive
  // connection would otherwise hold the process until the server's
  // keep-alive timeout, 5 s).
  server.unref();
  server.on('connection', (socket: Socket) => socket.unref());
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
