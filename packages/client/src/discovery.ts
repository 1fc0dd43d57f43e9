/**
 * Token endpoint discovery from an issuer: OpenID Connect Discovery
 * (`${issuer}/.well-known/openid-configuration`) first, then RFC 8414
 * (`/.well-known/oauth-authorization-server`, inserted before the issuer's
 * path). The document's `issuer` must equal the configured issuer exactly
 * (RFC 8414 §3.3), otherwise a document served for someone else could point
 * the client, and its secret, at another token endpoint.
 */
import { DiscoveryError } from './errors.js';
import { describeRedirect, exchange, parseJsonObject, parseRetryAfter, TransportFailure } from './http.js';
import { checkEndpointUrl, type ResolvedOptions } from './options.js';
import type { Redactor } from './redact.js';
import { isTransientStatus, RetryableFailure } from './retry.js';

/** The metadata URLs tried, in order. */
export function metadataUrls(issuer: string): URL[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return [
    new URL(`${url.origin}${path}/.well-known/openid-configuration`),
    new URL(`${url.origin}/.well-known/oauth-authorization-server${path}`),
  ];
}

/**
 * Fetches the metadata and returns the checked token endpoint. Both metadata
 * URLs share one `timeoutMs` deadline, so one attempt never takes longer than
 * the timeout the retry budget granted it. Throws DiscoveryError (final) or
 * RetryableFailure (network error, timeout, 408, 429, 5xx; with the
 * server's `Retry-After`) to be retried by the caller under the same policy
 * as the token request.
 */
export async function discoverTokenEndpoint(
  options: ResolvedOptions,
  issuer: string,
  redactor: Redactor,
  timeoutMs: number,
): Promise<URL> {
  const misses: string[] = [];
  const deadline = performance.now() + timeoutMs;
  for (const url of metadataUrls(issuer)) {
    let answer: Awaited<ReturnType<typeof exchange>>;
    try {
      const left = Math.floor(deadline - performance.now());
      if (left < 1) throw new TransportFailure('timeout');
      answer = await exchange(options.fetch, url, { headers: { accept: 'application/json' } }, left);
    } catch (error) {
      const failure = error as TransportFailure;
      if (failure.kind === 'too_large') {
        misses.push(`${url.pathname}: document too large`);
        continue;
      }
      const cause = failure.kind === 'network' ? redactor.sanitizeCause(failure.cause) : undefined;
      const what = failure.kind === 'timeout' ? `timed out after ${timeoutMs} ms` : 'network error';
      throw new RetryableFailure(
        (attempts) =>
          new DiscoveryError(
            issuer,
            `Discovery for ${issuer} failed after ${attempts} attempt(s): ${url.href} ${what}`,
            {
              cause,
            },
          ),
      );
    }
    if (answer.redirected) {
      // Not followed (see exchange): the document must come from the issuer's
      // own well-known URL, not from wherever a redirect points.
      misses.push(`${url.pathname}: ${describeRedirect(answer)}, not followed`);
      continue;
    }
    if (isTransientStatus(answer.status)) {
      // Same policy as the token request: retried, after Retry-After if the budget allows.
      throw new RetryableFailure(
        (attempts, retryAfterSec) =>
          new DiscoveryError(
            issuer,
            `Discovery for ${issuer} failed after ${attempts} attempt(s): ${url.href} answered HTTP ${answer.status}${retryAfterSec !== undefined ? `; server asked to retry after ${retryAfterSec} s` : ''}`,
            retryAfterSec !== undefined ? { retryAfterSec } : undefined,
          ),
        parseRetryAfter(answer.headers.get('retry-after')),
      );
    }
    const document = answer.status === 200 ? parseJsonObject(answer.body) : undefined;
    if (!document) {
      misses.push(
        `${url.pathname}: ${answer.status === 200 ? 'not a JSON object' : `HTTP ${answer.status}`}`,
      );
      continue;
    }
    if (document['issuer'] !== issuer) {
      throw new DiscoveryError(
        issuer,
        `Discovery for ${issuer} refused: ${url.href} is for a different issuer (the document's issuer must equal the configured one exactly)`,
      );
    }
    const tokenEndpoint = document['token_endpoint'];
    if (typeof tokenEndpoint !== 'string' || tokenEndpoint.length === 0) {
      throw new DiscoveryError(issuer, `Discovery for ${issuer} failed: ${url.href} has no token_endpoint`);
    }
    const checked = checkEndpointUrl(tokenEndpoint, options.allowInsecureHttp);
    if (typeof checked === 'string') {
      throw new DiscoveryError(
        issuer,
        `Discovery for ${issuer} failed: the discovered token_endpoint ${checked}`,
      );
    }
    return checked;
  }
  throw new DiscoveryError(issuer, `Discovery for ${issuer} found no metadata (${misses.join('; ')})`);
}
