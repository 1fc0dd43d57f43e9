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
 * Rejects only with {@link TransportFailure}.
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
    const response = await Promise.race([fetchImpl(url, { ...init, signal: controller.signal }), aborted]);
    const body = await readCapped(response, aborted);
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (error instanceof TransportFailure) throw error;
    if (timedOut) throw new TransportFailure('timeout');
    throw new TransportFailure('network', { cause: error });
  } finally {
    clearTimeout(timer);
  }
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
