/**
 * The key source for `jwksUri` / discovery: a {@link JwksCache} over a JWKS
 * URL that is either configured or discovered from the issuer.
 */
import { ConfigurationError } from '../errors.js';
import {
  checkOptionNames,
  JWKS_CACHE_OPTION_NAMES,
  REMOTE_KEY_SOURCE_OPTION_NAMES,
} from '../option-names.js';
import type { EventHandler, JwksCacheOptions, ScopegateEvent } from '../types.js';
import { discoverIssuerMetadata } from './discovery.js';
import { checkUrlPolicy, FetchJsonError } from './fetch-json.js';
import { JwksCache } from './jwks-cache.js';
import type { KeySource } from './key-source.js';

/** Options of {@link createRemoteKeySource}. */
export interface RemoteKeySourceOptions {
  /** The issuer, exactly as in `iss`. Used for discovery when `jwksUri` is not given. Required. */
  issuer: string;
  /** JWKS URL. Default: discovered from `issuer` (OpenID Connect Discovery, then RFC 8414). */
  jwksUri?: string;
  /** Cache tuning; each option's default is in {@link JwksCacheOptions}. */
  cache?: JwksCacheOptions;
  /** Allow `http:` JWKS / discovery URLs on non-loopback hosts. Default false. */
  allowInsecureHttp?: boolean;
  /** `fetch` implementation. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Clock in milliseconds driving every cache decision. Default `Date.now`. */
  now?: () => number;
  /** Receives JWKS and discovery events. Exceptions it throws are swallowed. Default: none. */
  onEvent?: EventHandler;
}

/** A remote {@link KeySource} with a handle on its cache. */
export interface RemoteKeySource extends KeySource {
  /** The issuer this source serves. */
  readonly issuer: string;
  /** The cache: `loadJwks` / `exportJwks` to hydrate or save keys, `status()`, `settled()`. */
  readonly jwksCache: JwksCache;
}

/**
 * Creates the key source for a remote issuer. With `jwksUri`, keys come from
 * that URL; without it, the JWKS URL is discovered from `issuer` on the first
 * fetch (inside the cache's single in-flight request, so discovery gets the
 * same sharing, backoff and cooldown as JWKS fetches). A successful discovery
 * is kept for the life of the source; a failed one is retried on a later
 * request once the failure backoff has passed.
 *
 * URLs are checked here, so a refused `http:` URL fails at startup.
 * @throws ConfigurationError for an invalid or refused URL, or invalid cache options.
 */
export function createRemoteKeySource(options: RemoteKeySourceOptions): RemoteKeySource {
  checkOptionNames(options, REMOTE_KEY_SOURCE_OPTION_NAMES, 'createRemoteKeySource()');
  if (typeof options.cache === 'object' && options.cache !== null)
    checkOptionNames(options.cache, JWKS_CACHE_OPTION_NAMES, 'createRemoteKeySource() cache');
  const { issuer, jwksUri, allowInsecureHttp = false, onEvent } = options;
  const emit = (event: ScopegateEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A failing event handler must not break verification.
    }
  };
  const policy = (url: string, what: string): void => {
    try {
      checkUrlPolicy(url, allowInsecureHttp);
    } catch (error) {
      const reason = error instanceof FetchJsonError ? error.message : 'invalid URL';
      throw new ConfigurationError(`${what} refused: ${reason}`);
    }
  };
  if (typeof issuer !== 'string' || issuer === '') throw new ConfigurationError('issuer is required');
  if (jwksUri !== undefined) policy(jwksUri, 'jwksUri');
  else policy(issuer, 'issuer (for discovery)');

  let discovered: string | undefined;
  const resolveUri = async (timeoutMs: number): Promise<string> => {
    if (jwksUri !== undefined) return jwksUri;
    if (discovered !== undefined) return discovered;
    try {
      const metadata = await discoverIssuerMetadata(issuer, {
        fetch: options.fetch,
        timeoutMs,
        maxResponseBytes: options.cache?.maxResponseBytes,
        allowInsecureHttp,
      });
      discovered = metadata.jwksUri;
      emit({ type: 'discovery', issuer, jwksUri: metadata.jwksUri });
      return metadata.jwksUri;
    } catch (error) {
      emit({
        type: 'discovery_failed',
        issuer,
        error: error instanceof Error ? error.message : 'unexpected error',
      });
      throw error;
    }
  };

  const jwksCache = new JwksCache({
    ...options.cache,
    jwksUri: jwksUri ?? resolveUri,
    allowInsecureHttp,
    fetch: options.fetch,
    now: options.now,
    onEvent: emit,
  });

  return {
    issuer,
    jwksCache,
    getKey: (header) => jwksCache.getKey(header),
    warmup: () => jwksCache.warmup(),
  };
}
