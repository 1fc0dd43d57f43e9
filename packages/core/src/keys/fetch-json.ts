/**
 * A deliberately small, defensive `GET` for the JSON documents the key source
 * needs (JWK Sets and discovery documents). The issuer is a remote party that
 * can be down, slow, or wrong, so every step is bounded: the URL scheme, the
 * total time, the number of redirects and the body size. Errors carry short
 * reasons only, never the response body.
 */

/** Default total time for one document (all redirects and the body included): 5 s. */
export const DEFAULT_TIMEOUT_MS = 5_000;
/** Default largest accepted body: 1 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
/** Default number of redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 3;

/** Why a {@link fetchJson} call failed (stable identifiers for code and events). */
export type FetchJsonFailure =
  | 'url_policy'
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'redirect'
  | 'too_large'
  | 'not_json'
  | 'not_object';

/** A failed document fetch. The message is a short reason, never the response body. */
export class FetchJsonError extends Error {
  /** Which step failed. */
  readonly failure: FetchJsonFailure;
  /** HTTP status, for `http_status` failures. */
  readonly status: number | undefined;

  constructor(failure: FetchJsonFailure, message: string, status?: number) {
    super(message);
    this.name = 'FetchJsonError';
    this.failure = failure;
    this.status = status;
  }
}

/** Options of {@link fetchJson}. */
export interface FetchJsonOptions {
  /** `fetch` implementation. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Abort after this many milliseconds, headers, redirects and body included. Default 5 000. */
  timeoutMs?: number;
  /** Largest accepted body in bytes (checked from `Content-Length` and while streaming). Default 1 048 576. */
  maxResponseBytes?: number;
  /** Allow `http:` URLs on non-loopback hosts (first URL and redirect targets). Default false. */
  allowInsecureHttp?: boolean;
  /** Redirects (301, 302, 303, 307, 308) followed, each target checked by the URL policy. Default 3. */
  maxRedirects?: number;
}

/** A fetched JSON object document. */
export interface JsonDocument {
  /** The parsed body (always a JSON object, never an array or a primitive). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The URL the body came from, after redirects. */
  readonly url: string;
  /**
   * Freshness the server asked for through `Cache-Control`, in milliseconds:
   * `max-age` (less an `Age` header), `0` for `no-cache` / `no-store`, or
   * `undefined` when the header says nothing about it.
   */
  readonly maxAgeMs: number | undefined;
}

/**
 * Whether a URL host name is a loopback address: `localhost`, an IPv4
 * address in 127.0.0.0/8, or `::1`. Takes `URL#hostname` (IPv6 in brackets,
 * IPv4 already normalised by the URL parser).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && +o <= 255);
}

/**
 * Checks the URL policy for key and discovery URLs and returns the parsed URL.
 * `https:` is always allowed; `http:` only for loopback hosts (see
 * {@link isLoopbackHost}) unless `allowInsecureHttp`; every other scheme, and
 * URLs with embedded credentials, are refused.
 * @throws FetchJsonError with failure `url_policy`.
 */
export function checkUrlPolicy(url: string | URL, allowInsecureHttp = false): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchJsonError('url_policy', 'not a valid absolute URL');
  }
  if (parsed.username !== '' || parsed.password !== '')
    throw new FetchJsonError('url_policy', 'URLs with embedded credentials are not allowed');
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:') {
    if (allowInsecureHttp || isLoopbackHost(parsed.hostname)) return parsed;
    throw new FetchJsonError(
      'url_policy',
      'http: is only allowed for loopback hosts (set allowInsecureHttp to override)',
    );
  }
  throw new FetchJsonError('url_policy', `the ${parsed.protocol} scheme is not allowed`);
}

/** Reads the freshness lifetime from `Cache-Control` (and `Age`), in ms. */
export function parseMaxAge(cacheControl: string | null, age?: string | null): number | undefined {
  if (!cacheControl) return undefined;
  let maxAge: number | undefined;
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name = '', value] = directive.trim().split('=', 2);
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && value !== undefined) {
      const seconds = /^"?(\d{1,10})"?$/.exec(value.trim())?.[1];
      if (seconds !== undefined) maxAge = Number(seconds);
    }
  }
  if (maxAge === undefined) return undefined;
  const ageSeconds = age && /^\d{1,10}$/.test(age.trim()) ? Number(age.trim()) : 0;
  return Math.max(0, maxAge - ageSeconds) * 1000;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a JSON object document under the URL policy, a total timeout and a
 * size cap.
 *
 * Redirects are followed by hand (`redirect: 'manual'`), at most
 * `maxRedirects` times, and every target must pass the same URL policy, so a
 * redirect can never downgrade to plain http or leave for a non-http scheme.
 * The timeout covers the whole exchange, including a server that sends
 * headers and then stalls the body.
 *
 * @throws FetchJsonError with a short reason (never the body).
 */
export async function fetchJson(url: string, options: FetchJsonOptions = {}): Promise<JsonDocument> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const allowInsecureHttp = options.allowInsecureHttp ?? false;

  const controller = new AbortController();
  const timeoutError = new FetchJsonError('timeout', `timed out after ${timeoutMs} ms`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Racing every await against this promise keeps the bound even with a
  // `fetch` implementation (or body stream) that ignores the abort signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timeoutError);
      controller.abort();
    }, timeoutMs);
  });
  deadline.catch(() => {});
  // Whatever an aborted operation rejects with, after the deadline the reason is the timeout.
  const bounded = <T>(promise: Promise<T>): Promise<T> =>
    Promise.race([promise, deadline]).catch((error: unknown) => {
      throw controller.signal.aborted ? timeoutError : error;
    });

  try {
    let target = checkUrlPolicy(url, allowInsecureHttp);
    for (let redirects = 0; ; redirects++) {
      let response: Response;
      try {
        response = await bounded(
          doFetch(target.href, {
            method: 'GET',
            headers: { accept: 'application/json' },
            redirect: 'manual',
            signal: controller.signal,
          }),
        );
      } catch (error) {
        if (error instanceof FetchJsonError) throw error;
        throw new FetchJsonError('network', 'request failed (network error)');
      }

      if (REDIRECT_STATUSES.has(response.status)) {
        discard(response);
        const location = response.headers.get('location');
        if (redirects >= maxRedirects)
          throw new FetchJsonError('redirect', `more than ${maxRedirects} redirects`);
        if (!location) throw new FetchJsonError('redirect', 'redirect without a Location header');
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new FetchJsonError('redirect', 'redirect to an invalid URL');
        }
        target = checkUrlPolicy(next, allowInsecureHttp);
        continue;
      }
      if (response.type === 'opaqueredirect')
        throw new FetchJsonError('redirect', 'the fetch implementation hid a redirect target');
      if (response.status < 200 || response.status > 299) {
        discard(response);
        throw new FetchJsonError('http_status', `HTTP ${response.status}`, response.status);
      }

      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        discard(response);
        throw new FetchJsonError('too_large', `response larger than ${maxBytes} bytes`);
      }
      const bytes = await readCapped(response, maxBytes, bounded);
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch {
        throw new FetchJsonError('not_json', 'response is not JSON');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new FetchJsonError('not_object', 'response is not a JSON object');
      return {
        body: parsed as Record<string, unknown>,
        url: target.href,
        maxAgeMs: parseMaxAge(response.headers.get('cache-control'), response.headers.get('age')),
      };
    }
  } finally {
    clearTimeout(timer);
    // Frees the socket of an abandoned exchange; a no-op when it completed.
    controller.abort();
  }
}

function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}

async function readCapped(
  response: Response,
  maxBytes: number,
  bounded: <T>(promise: Promise<T>) => Promise<T>,
): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await bounded(reader.read());
      } catch (error) {
        if (error instanceof FetchJsonError) throw error;
        throw new FetchJsonError('network', 'reading the response failed');
      }
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > maxBytes) throw new FetchJsonError('too_large', `response larger than ${maxBytes} bytes`);
      chunks.push(chunk.value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
