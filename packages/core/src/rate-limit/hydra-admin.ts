import { LRUCache } from 'lru-cache';
import { ConfigurationError, TemporarilyUnavailableError } from '../errors.js';
import { checkOptionNames, HYDRA_ADMIN_OPTION_NAMES } from '../option-names.js';
import type { ClientMetadata, ClientMetadataSource, EventHandler } from '../types.js';
import { emit, SELF_BOUNDED_MS } from './metadata.js';

/** Options of {@link hydraAdminMetadata}. */
export interface HydraAdminMetadataOptions {
  /** Base URL of Hydra's admin API, e.g. `http://hydra:4445`. Required. */
  adminUrl: string;
  /** How long a client's metadata is reused before Hydra is asked again, ms. Default 60 000. */
  ttlMs?: number;
  /** How long "no such client" (404) is remembered, ms. Default: `ttlMs`. */
  negativeTtlMs?: number;
  /** How long the answer given after a failed lookup is reused before Hydra is asked again, ms. Default 5 000. */
  errorTtlMs?: number;
  /**
   * Abort a lookup after this long, ms: a positive integer. Default 2 000. A
   * rate limiter given this source waits at least this long (plus 250 ms) for
   * its answer, even if its `metadataTimeoutMs` is shorter, so that
   * `onUnavailable: 'reject'` holds.
   */
  timeoutMs?: number;
  /** Most clients cached. Default 10 000. */
  maxEntries?: number;
  /**
   * What to do when Hydra cannot be asked (network error, timeout, 5xx,
   * unreadable answer) and no earlier answer is cached:
   * `'default'` (default) answers "no metadata", so `defaultPerMinute` applies;
   * `'reject'` fails the request with 503 `temporarily_unavailable`.
   * In both modes an expired cached answer is preferred to either.
   */
  onUnavailable?: 'default' | 'reject';
  /** Extra request headers (e.g. credentials of a proxy in front of the admin API). Default none. */
  headers?: Record<string, string>;
  /** `fetch` implementation. Default: global `fetch`. */
  fetch?: typeof fetch;
  /** Receives `rate_limit_metadata_failed` events (one per failed lookup, not per request). Default none. */
  onEvent?: EventHandler;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  readonly metadata: ClientMetadata | undefined;
  readonly expiresAt: number;
  /** Whether the answer came from Hydra (and may serve as a fallback after it expires). */
  readonly fromHydra: boolean;
  /** A remembered failure in `'reject'` mode: answer 503 until it expires. */
  readonly unavailable?: boolean;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * A {@link ClientMetadataSource} reading Ory Hydra's OAuth2 client metadata:
 * `GET {adminUrl}/admin/clients/{id}` → `{ "client_id": …, "metadata": { "rate_limit_per_minute": … } }`.
 *
 * Answers are cached per client (LRU, `maxEntries`, `ttlMs`; 404 for
 * `negativeTtlMs`); concurrent lookups of one client share a single request;
 * each request is aborted after `timeoutMs`. While Hydra is down, an expired
 * answer keeps serving; without one, `onUnavailable` decides between the
 * default limit (fail open, default) and 503 (fail closed). A failure is
 * remembered for `errorTtlMs` so a down Hydra is not asked on every request.
 */
export function hydraAdminMetadata(options: HydraAdminMetadataOptions): ClientMetadataSource {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('hydraAdminMetadata() needs an options object');
  checkOptionNames(options, HYDRA_ADMIN_OPTION_NAMES, 'hydraAdminMetadata()');
  const base = parseAdminUrl(options.adminUrl);
  const ttlMs = nonNegative(options.ttlMs, 60_000, 'ttlMs');
  const negativeTtlMs = nonNegative(options.negativeTtlMs, ttlMs, 'negativeTtlMs');
  const errorTtlMs = nonNegative(options.errorTtlMs, 5_000, 'errorTtlMs');
  const timeoutMs = options.timeoutMs ?? 2_000;
  // AbortSignal.timeout's range: 0 would abort every lookup, a longer delay would fire at once.
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647) {
    throw new ConfigurationError('hydraAdminMetadata: timeoutMs must be a positive integer (milliseconds)');
  }
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError('hydraAdminMetadata: maxEntries must be a positive integer');
  }
  const reject = options.onUnavailable === 'reject';
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const headers = { accept: 'application/json', ...options.headers };

  const cache = new LRUCache<string, Entry>({ max: maxEntries });
  const inflight = new Map<string, Promise<Entry>>();

  const lookup = async (clientId: string): Promise<Entry> => {
    let outcome: { metadata: ClientMetadata | undefined; found: boolean };
    try {
      outcome = await fetchClient(doFetch, `${base}/admin/clients/${encodeURIComponent(clientId)}`, {
        headers,
        timeoutMs,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      emit(options.onEvent, { type: 'rate_limit_metadata_failed', clientId, error: message });
      const stale = cache.get(clientId);
      if (stale?.fromHydra) {
        // Serve the last answer Hydra gave rather than a default or a 503.
        return remember(clientId, {
          metadata: stale.metadata,
          expiresAt: now() + errorTtlMs,
          fromHydra: true,
        });
      }
      const failure = remember(clientId, {
        metadata: undefined,
        expiresAt: now() + errorTtlMs,
        fromHydra: false,
        unavailable: reject,
      });
      if (reject) throw unavailable();
      return failure;
    }
    const ttl = outcome.found ? ttlMs : negativeTtlMs;
    return remember(clientId, { metadata: outcome.metadata, expiresAt: now() + ttl, fromHydra: true });
  };

  const unavailable = () =>
    new TemporarilyUnavailableError('client metadata is temporarily unavailable', {
      reason: 'metadata_unavailable',
      retryAfter: Math.max(1, Math.ceil(errorTtlMs / 1000)),
    });

  const remember = (clientId: string, entry: Entry): Entry => {
    cache.set(clientId, entry);
    return entry;
  };

  const source = (clientId: string) => {
    // URL normalisation turns a path segment of `.` or `..` (even percent-encoded) into another
    // admin path, e.g. the client list: such ids have no client record to read.
    if (clientId === '.' || clientId === '..' || clientId.length === 0) return undefined;
    const cached = cache.get(clientId);
    if (cached !== undefined && cached.expiresAt > now()) {
      if (cached.unavailable) throw unavailable();
      return cached.metadata;
    }
    let pending = inflight.get(clientId);
    if (pending === undefined) {
      pending = lookup(clientId).finally(() => inflight.delete(clientId));
      inflight.set(clientId, pending);
    }
    return pending.then((entry) => entry.metadata);
  };
  // Each lookup is aborted after timeoutMs and then answered per onUnavailable: the rate
  // limiter waits for that answer instead of applying its own metadataTimeoutMs first.
  return Object.assign(source, { [SELF_BOUNDED_MS]: timeoutMs });
}

async function fetchClient(
  doFetch: typeof fetch,
  url: string,
  init: { headers: Record<string, string>; timeoutMs: number },
): Promise<{ metadata: ClientMetadata | undefined; found: boolean }> {
  const response = await doFetch(url, {
    headers: init.headers,
    signal: AbortSignal.timeout(init.timeoutMs),
    redirect: 'error',
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return { metadata: undefined, found: false };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Hydra admin API answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new Error('Hydra admin API answer is too large');
  }
  const text = await response.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new Error('Hydra admin API answer is too large');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('Hydra admin API answered with invalid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error('Hydra admin API answered with an unexpected document');
  }
  const metadata = (body as { metadata?: unknown }).metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    return { metadata: metadata as ClientMetadata, found: true };
  }
  // A client without metadata (null or absent) is a valid answer: no per-client limit.
  return { metadata: undefined, found: true };
}

function parseAdminUrl(adminUrl: string): string {
  let url: URL;
  try {
    url = new URL(adminUrl);
  } catch {
    throw new ConfigurationError('hydraAdminMetadata: adminUrl must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError('hydraAdminMetadata: adminUrl must use http or https');
  }
  return url.href.replace(/\/+$/, '');
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`hydraAdminMetadata: ${name} must be a non-negative number`);
  }
  return value;
}
