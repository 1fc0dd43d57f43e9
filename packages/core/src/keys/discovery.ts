/**
 * Authorization server metadata discovery: OpenID Connect Discovery 1.0 first,
 * then OAuth 2.0 Authorization Server Metadata (RFC 8414). Only what the key
 * source needs is validated: the exact `issuer` and a `jwks_uri` that passes
 * the URL policy.
 */
import { performance } from 'node:perf_hooks';
import {
  checkUrlPolicy,
  DEFAULT_TIMEOUT_MS,
  FetchJsonError,
  type FetchJsonOptions,
  fetchJson,
} from './fetch-json.js';

/** Successful discovery. */
export interface IssuerMetadata {
  /** The document's `issuer` (equal to the configured issuer). */
  readonly issuer: string;
  /** The document's `jwks_uri` (passed the URL policy). */
  readonly jwksUri: string;
  /** The URL the document was read from. */
  readonly discoveryUrl: string;
  /** The whole metadata document. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Discovery failed; the message is a short reason (never a response body). */
export class DiscoveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DiscoveryError';
  }
}

/**
 * The metadata URLs tried for an issuer, in order:
 * 1. `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery §4: appended);
 * 2. for an issuer with a path, `{origin}/.well-known/oauth-authorization-server{path}`
 *    (RFC 8414 §3.1: inserted between host and path);
 * 3. `{issuer}/.well-known/oauth-authorization-server` (appended; for an issuer
 *    without a path this is the same URL as 2 and is tried once).
 * A trailing slash of the issuer is dropped before building each URL.
 */
export function discoveryUrls(issuer: string): string[] {
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/+$/, '');
  const origin = base.origin;
  const urls = [
    `${origin}${path}/.well-known/openid-configuration`,
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}${path}/.well-known/oauth-authorization-server`,
  ];
  return [...new Set(urls)];
}

/**
 * Discovers an issuer's metadata (see {@link discoveryUrls} for the order).
 *
 * The next URL is tried only when the previous one answered with an HTTP 4xx
 * (the document does not exist there). A network error, timeout, 5xx, or an
 * unusable document stops discovery at once: the server exists but is
 * failing, and trying further URLs would only multiply the wait. A document
 * whose `issuer` differs from the configured one by even a character (a
 * trailing slash included) is refused (OpenID Connect Discovery §4.3,
 * RFC 8414 §3.3), as is a missing `jwks_uri` or one that fails the URL policy.
 *
 * @param issuer - the configured issuer, exactly as tokens carry it in `iss`.
 * @param options - fetch options; `timeoutMs` (default 5 000) bounds the whole
 *   discovery, all URLs together; size cap and URL policy apply per document.
 * @throws DiscoveryError with a short reason.
 */
export async function discoverIssuerMetadata(
  issuer: string,
  options: FetchJsonOptions = {},
): Promise<IssuerMetadata> {
  let urls: string[];
  try {
    checkUrlPolicy(issuer, options.allowInsecureHttp);
    urls = discoveryUrls(issuer);
  } catch (error) {
    throw new DiscoveryError(`issuer URL refused: ${reasonOf(error)}`, { cause: error });
  }
  const misses: string[] = [];
  const budget = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();
  for (const url of urls) {
    const left = Math.ceil(budget - (performance.now() - started));
    if (left <= 0) throw new DiscoveryError(`metadata request failed: timed out after ${budget} ms`);
    let body: Readonly<Record<string, unknown>>;
    let from: string;
    try {
      ({ body, url: from } = await fetchJson(url, { ...options, timeoutMs: left }));
    } catch (error) {
      const status = error instanceof FetchJsonError ? error.status : undefined;
      if (status !== undefined && status >= 400 && status < 500) {
        misses.push(`HTTP ${status}`);
        continue;
      }
      throw new DiscoveryError(`metadata request failed: ${reasonOf(error)}`, { cause: error });
    }
    if (body.issuer !== issuer)
      throw new DiscoveryError('the metadata issuer does not equal the configured issuer');
    if (typeof body.jwks_uri !== 'string') throw new DiscoveryError('the metadata has no jwks_uri');
    try {
      checkUrlPolicy(body.jwks_uri, options.allowInsecureHttp);
    } catch (error) {
      throw new DiscoveryError(`jwks_uri refused: ${reasonOf(error)}`, { cause: error });
    }
    return { issuer, jwksUri: body.jwks_uri, discoveryUrl: from, metadata: body };
  }
  throw new DiscoveryError(`no metadata document found (${misses.join(', ')})`);
}

function reasonOf(error: unknown): string {
  return error instanceof FetchJsonError ? error.message : 'unexpected error';
}
