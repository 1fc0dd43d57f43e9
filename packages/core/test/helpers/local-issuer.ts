/**
 * A local OAuth 2.0 / OpenID Connect issuer for tests: a `node:http` server on
 * 127.0.0.1 (port 0) that serves discovery documents and a JWK Set, counts
 * requests per path, rotates keys, signs tokens (jose `SignJWT`), and can
 * misbehave on any path (status codes, hangs, stalled bodies, garbage,
 * oversized bodies, redirects, delays).
 *
 * ```ts
 * const idp = await startLocalIssuer();
 * const token = await idp.sign({ sub: 'svc', aud: 'api' });
 * idp.setRoute(idp.paths.jwks, { kind: 'status', status: 500 });
 * expect(idp.count(idp.paths.jwks)).toBe(1);
 * await idp.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { JwkSet, JwsAlgorithm } from '../../src/types.js';

/** Algorithms the local issuer can generate keys for. */
export type LocalSigningAlg = Exclude<JwsAlgorithm, 'Ed25519' | 'HS256' | 'HS384' | 'HS512'>;

/** How one path answers. Set with {@link LocalIssuer.setRoute}. */
export type RouteBehavior =
  /** The normal content of the path (discovery document or JWK Set); 404 for unknown paths. */
  | { kind: 'serve' }
  /** A JSON body (any value, e.g. wrong shapes) with an optional status and headers. */
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  /** An empty response with this status (e.g. 404, 500). */
  | { kind: 'status'; status: number }
  /** A text or binary body (e.g. non-JSON garbage). Default status 200, content type `application/json`. */
  | { kind: 'text'; body: string | Uint8Array; status?: number; contentType?: string }
  /** A 200 body of `bytes` bytes, streamed; `declareLength` sends a matching `Content-Length`. */
  | { kind: 'huge'; bytes: number; declareLength?: boolean }
  /** Never answers (no headers). */
  | { kind: 'hang' }
  /** Sends 200 headers and part of a body, then nothing more. */
  | { kind: 'stall' }
  /** A redirect to `location` (absolute, or relative to the server). Default status 302. */
  | { kind: 'redirect'; location: string; status?: number }
  /** Waits `ms`, then answers as `next` (default `serve`). */
  | { kind: 'delay'; ms: number; next?: RouteBehavior };

/** Options of {@link startLocalIssuer}. */
export interface LocalIssuerOptions {
  /** Path of the issuer identifier, e.g. `/tenant-a` (RFC 8414 path-insertion tests). Default `''`. */
  issuerPath?: string;
  /** Whether the issuer identifier ends with `/` (as Auth0's does). Default false. */
  trailingSlash?: boolean;
  /** Keys generated at start; the first one signs by default. Default `['RS256']`. */
  algorithms?: readonly LocalSigningAlg[];
  /** `Cache-Control` sent with the JWK Set. Default: none. */
  cacheControl?: string;
}

/** Options of {@link LocalIssuer.sign}. */
export interface SignOptions {
  /** Key that signs. Default: the current key (see {@link LocalIssuer.currentKid}). */
  kid?: string;
  /** Header `alg`. Default: the key's algorithm. */
  alg?: string;
  /** Leave `kid` out of the header. Default false. */
  omitKid?: boolean;
  /** Extra protected header parameters (e.g. `typ`, `crit`, `jku`). */
  header?: Record<string, unknown>;
  /** Add `iss` (the issuer), `iat` (now) and `exp` (now + `expiresInSec`) unless the claims set them. Default true. */
  defaults?: boolean;
  /** Lifetime used for the default `exp`. Default 300. */
  expiresInSec?: number;
}

/** Options of {@link LocalIssuer.addKey}. */
export interface AddKeyOptions {
  /** Key id. Default: generated (`<alg>-<n>`). */
  kid?: string;
  /** `use` member of the published JWK. Default `'sig'`; `null` leaves it out. */
  use?: string | null;
  /** Publish the JWK's own `alg`. Default true. */
  publishAlg?: boolean;
  /** Publish the key in the JWK Set. Default true (false makes a key the IdP signs with but nobody can verify). */
  publish?: boolean;
}

/** A running local issuer. */
export interface LocalIssuer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The issuer identifier (`origin` + `issuerPath`, with the trailing slash if asked). */
  readonly issuer: string;
  /** URL of the JWK Set. */
  readonly jwksUri: string;
  /** Paths served by default: OIDC discovery, RFC 8414 (inserted form and appended form) and the JWK Set. */
  readonly paths: {
    readonly openid: string;
    readonly oauth: string;
    readonly oauthAppend: string;
    readonly jwks: string;
  };
  /** `kid` of the key that signs by default. */
  readonly currentKid: string;
  /** Absolute URL for a path on this server. */
  url(path: string): string;
  /** Requests received for a path (pathname, query ignored), or all requests without an argument. */
  count(path?: string): number;
  /** Sets all request counts to zero. */
  resetCounts(): void;
  /** How a path answers; `undefined` restores the default (`serve`). Works for any path. */
  setRoute(path: string, behavior: RouteBehavior | undefined): void;
  /** Restores the default behaviour of every path. */
  resetRoutes(): void;
  /** `Cache-Control` sent with the JWK Set (`undefined`: none). */
  setCacheControl(value: string | undefined): void;
  /** The discovery document served at the discovery paths (a fresh copy). */
  metadata(): Record<string, unknown>;
  /** The published JWK Set (a fresh copy). */
  jwks(): JwkSet;
  /** Generates a key; returns its kid. Does not change {@link currentKid}. */
  addKey(alg?: LocalSigningAlg, options?: AddKeyOptions): Promise<string>;
  /** Generates a key that becomes {@link currentKid}; the old keys are unpublished unless `keepOld`. */
  rotate(alg?: LocalSigningAlg, options?: AddKeyOptions & { keepOld?: boolean }): Promise<string>;
  /** Unpublishes a key (it can still sign). */
  unpublish(kid: string): void;
  /** Signs a JWT with a key of this issuer. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** Closes the server, dropping hung connections. */
  close(): Promise<void>;
}

interface KeyEntry {
  readonly kid: string;
  readonly alg: LocalSigningAlg;
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  readonly publicJwk: JWK;
  published: boolean;
}

/** Starts a local issuer on 127.0.0.1 with an ephemeral port. */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const issuerPath = (options.issuerPath ?? '').replace(/\/+$/, '');
  const keys = new Map<string, KeyEntry>();
  const counts = new Map<string, number>();
  const routes = new Map<string, RouteBehavior>();
  let cacheControl = options.cacheControl;
  let currentKid = '';
  let generated = 0;

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    answer(req, res, path, routes.get(path) ?? { kind: 'serve' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}${issuerPath}${options.trailingSlash ? '/' : ''}`;
  const paths = {
    openid: `${issuerPath}/.well-known/openid-configuration`,
    oauth: `/.well-known/oauth-authorization-server${issuerPath}`,
    oauthAppend: `${issuerPath}/.well-known/oauth-authorization-server`,
    jwks: `${issuerPath}/.well-known/jwks.json`,
  };
  const jwksUri = `${origin}${paths.jwks}`;

  const metadata = (): Record<string, unknown> => ({
    issuer,
    jwks_uri: jwksUri,
    token_endpoint: `${origin}${issuerPath}/oauth2/token`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  const jwks = (): JwkSet => ({
    keys: [...keys.values()]
      .filter((k) => k.published)
      .map((k) => ({ ...k.publicJwk, kty: k.publicJwk.kty ?? '' })),
  });

  function send(
    res: ServerResponse,
    status: number,
    body: string | Uint8Array,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }

  function answer(req: IncomingMessage, res: ServerResponse, path: string, behavior: RouteBehavior): void {
    res.on('error', () => {});
    switch (behavior.kind) {
      case 'serve':
        if (path === paths.jwks) {
          send(res, 200, JSON.stringify(jwks()), cacheControl ? { 'cache-control': cacheControl } : {});
        } else if (path === paths.openid || path === paths.oauth || path === paths.oauthAppend) {
          send(res, 200, JSON.stringify(metadata()));
        } else {
          send(res, 404, JSON.stringify({ error: 'not_found' }));
        }
        return;
      case 'json':
        send(res, behavior.status ?? 200, JSON.stringify(behavior.body), behavior.headers);
        return;
      case 'status':
        res.writeHead(behavior.status);
        res.end();
        return;
      case 'text':
        send(res, behavior.status ?? 200, behavior.body, {
          'content-type': behavior.contentType ?? 'application/json',
        });
        return;
      case 'huge': {
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(behavior.declareLength ? { 'content-length': String(behavior.bytes) } : {}),
        });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let left = behavior.bytes;
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= piece.length;
            if (!res.write(piece)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case 'hang':
        return;
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
        return;
      case 'redirect':
        res.writeHead(behavior.status ?? 302, { location: behavior.location });
        res.end();
        return;
      case 'delay': {
        const timer = setTimeout(
          () => answer(req, res, path, behavior.next ?? { kind: 'serve' }),
          behavior.ms,
        );
        res.on('close', () => clearTimeout(timer));
        return;
      }
    }
  }

  async function addKey(alg: LocalSigningAlg = 'RS256', opts: AddKeyOptions = {}): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = opts.kid ?? `${alg.toLowerCase()}-${++generated}`;
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid };
    if (opts.use !== null) publicJwk.use = opts.use ?? 'sig';
    if (opts.publishAlg ?? true) publicJwk.alg = alg;
    keys.set(kid, { kid, alg, privateKey, publicJwk, published: opts.publish ?? true });
    return kid;
  }

  for (const alg of options.algorithms ?? ['RS256']) {
    const kid = await addKey(alg);
    if (!currentKid) currentKid = kid;
  }

  const issuerApi: LocalIssuer = {
    origin,
    issuer,
    jwksUri,
    paths,
    get currentKid() {
      return currentKid;
    },
    url: (path) => `${origin}${path}`,
    count: (path) =>
      path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0),
    resetCounts: () => counts.clear(),
    setRoute: (path, behavior) => {
      if (behavior === undefined) routes.delete(path);
      else routes.set(path, behavior);
    },
    resetRoutes: () => routes.clear(),
    setCacheControl: (value) => {
      cacheControl = value;
    },
    metadata,
    jwks,
    addKey,
    async rotate(alg = 'RS256', opts = {}) {
      const kid = await addKey(alg, opts);
      if (!opts.keepOld) for (const entry of keys.values()) if (entry.kid !== kid) entry.published = false;
      currentKid = kid;
      return kid;
    },
    unpublish(kid) {
      const entry = keys.get(kid);
      if (entry) entry.published = false;
    },
    async sign(claims = {}, opts = {}) {
      const entry = keys.get(opts.kid ?? currentKid);
      if (!entry) throw new Error(`unknown signing key ${opts.kid}`);
      const nowSec = Math.floor(Date.now() / 1000);
      const payload: JWTPayload =
        opts.defaults === false
          ? { ...claims }
          : { iss: issuer, iat: nowSec, exp: nowSec + (opts.expiresInSec ?? 300), ...claims };
      const header = {
        alg: opts.alg ?? entry.alg,
        ...(opts.omitKid ? {} : { kid: entry.kid }),
        ...opts.header,
      };
      return new SignJWT(payload).setProtectedHeader(header).sign(entry.privateKey);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return issuerApi;
}
