/**
 * Keeps secrets out of everything the client produces. Text that comes from
 * outside (an `error_description`, a network error's message) may echo what
 * was sent, so it is scrubbed of the known sensitive strings before it is
 * stored in an error.
 */

/** Placeholder that replaces a sensitive value. */
export const REDACTED = '[redacted]';

const MAX_TEXT = 500;

/** Replaces known sensitive strings in text coming from outside. */
export class Redactor {
  readonly #values: string[];

  /** @param values - sensitive strings (empty ones are ignored). */
  constructor(values: readonly string[]) {
    // Longest first, so a value containing another is replaced whole.
    this.#values = [...new Set(values.filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
  }

  #token: string | undefined;

  /** Also scrubs `token` (the latest access token) from now on, replacing the previous one. */
  rememberToken(token: string): void {
    this.#token = token;
  }

  /** Returns `text` with every sensitive value replaced, control characters removed, length capped. */
  scrub(text: string, extra?: string): string {
    let out = text;
    const values = [...this.#values, this.#token, extra].filter(
      (v): v is string => v !== undefined && v !== '',
    );
    for (const value of values) out = out.split(value).join(REDACTED);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
    out = out.replace(/[\u0000-\u001f\u007f]/g, ' ');
    return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
  }

  /**
   * Copies an error (for example undici's "fetch failed" and its
   * ECONNREFUSED cause) into a fresh Error holding only scrubbed name,
   * message, code and a scrubbed cause chain, so it is safe as a `cause`.
   */
  sanitizeCause(error: unknown, depth = 0): Error | undefined {
    if (typeof error !== 'object' || error === null || depth > 3) return undefined;
    const source = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
    const message = typeof source.message === 'string' ? this.scrub(source.message) : 'unknown error';
    const copy = new Error(message);
    const name = typeof source.name === 'string' ? this.scrub(source.name) : 'Error';
    // Own, non-enumerable fields so inspect output looks like an ordinary error.
    Object.defineProperty(copy, 'name', { value: name, writable: true, configurable: true });
    copy.stack = `${name}: ${message}`;
    if (typeof source.code === 'string' || typeof source.code === 'number') {
      // A custom fetch may put anything in `code`, so it is outside text like the message.
      const code = typeof source.code === 'string' ? this.scrub(source.code) : source.code;
      Object.defineProperty(copy, 'code', { value: code, enumerable: true, configurable: true });
    }
    const cause = this.sanitizeCause(source.cause, depth + 1);
    if (cause) Object.defineProperty(copy, 'cause', { value: cause, writable: true, configurable: true });
    return copy;
  }
}
