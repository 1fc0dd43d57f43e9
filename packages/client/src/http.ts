/**
 * One HTTP exchange with a timeout that covers the whole exchange (headers
 * and body) and a cap on the body size, so a slow or hostile server can
 * neither hang the caller nor exhaust its memory.
 */
import type { FetchLike } from './options.js';

/** Largest token or metadata response body read, in bytes. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Why an exchange produced no usable HTTP answer. */
export class TransportFailure extends Error {
  /** `timeout`: the per-request timeout elapsed; `network`: fetch failed; `too_large`: body over the cap. */
  readonly kind: 'timeout' | 'network' | 'too_large';

  constructor(kind: 'timeout' | 'network' | 'too_large', options?: { cause?: unknown }) {
    super(kind, options);
    this.kind = kind;
  }
}

/** A received answer with its body as text. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
  /**
   * The answer is a redirect (3xx, or an opaque redirect from a browser-style
   * fetch), or the `fetch` option followed one although told not to. Either
   * way it did not come from the URL asked, so callers must not use it.
   */
  redirected: boolean;
}

async function readCapped(response: Response, aborted: Promise<never>): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      total += value.byteLength;
      if (total > MAX_BODY_BYTES) throw new TransportFailure('too_large');
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Performs one request and reads the whole answer within `timeoutMs`.
 * Redirects are never followed (`redirect: 'manual'`): a token request would
 * resend the client credentials to wherever the redirect points, and
 * metadata must come from the issuer's own URL. Rejects only with
 * {@link TransportFailure}.
 */
export async function exchange(
  fetchImpl: FetchLike,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const controller = new AbortController();
  let timedOut = false;
  let onAbort: (() => void) | undefined;
  // Rejects when the timer fires; raced against body reads because an
  // injected fetch may return a Response whose body ignores the signal.
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new TransportFailure('timeout'));
  });
  aborted.catch(() => {});
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    onAbort?.();
  }, timeoutMs);
  try {
    const response = await Promise.race([
      fetchImpl(url, { ...init, redirect: 'manual', signal: controller.signal }),
      aborted,
    ]);
    const redirected =
      (response.status >= 300 && response.status < 400) ||
      response.type === 'opaqueredirect' ||
      response.redirected;
    if (redirected) {
      // The body of a redirect is of no use; release the connection.
      response.body?.cancel().catch(() => {});
      return { status: response.status, headers: response.headers, body: '', redirected };
    }
    const body = await readCapped(response, aborted);
    return { status: response.status, headers: response.headers, body, redirected };
  } catch (error) {
    if (error instanceof TransportFailure) throw error;
    if (timedOut) throw new TransportFailure('timeout');
    throw new TransportFailure('network', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** How a redirected answer came about, for messages: "a redirect (HTTP 302)" and the like. */
export function describeRedirect(answer: HttpAnswer): string {
  if (answer.status >= 300 && answer.status < 400) return `a redirect (HTTP ${answer.status})`;
  if (answer.status === 0) return 'an opaque redirect';
  return 'a redirect that the fetch option followed anyway';
}

/**
 * Parses `Retry-After` (delta-seconds or HTTP-date) into milliseconds from
 * now; `undefined` when absent or unparsable. Negative dates give 0.
 */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP-date in all three RFC 9110 forms starts with a day name; Date.parse alone accepts "-1".
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Parses a JSON object body; `undefined` for anything else (invalid JSON, arrays, primitives). */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
