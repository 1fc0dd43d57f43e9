/**
 * Turns any rejection into the HTTP answer of the contract's error table.
 * Shared by `authorize` and the framework adapters.
 */
import { type ErrorBody, isScopegateError, ScopegateError } from './errors.js';

const INTERNAL_BODY: ErrorBody = Object.freeze({
  error: 'server_error',
  error_description: 'internal error',
});

/**
 * 500 for a failure that is not a client mistake nor a known condition (a
 * bug, a throwing callback). Sends no `WWW-Authenticate` and a fixed body;
 * the original error is kept as `cause` for logs only.
 */
export class InternalError extends ScopegateError {
  constructor(options?: { cause?: unknown }) {
    super(500, 'server_error', 'internal', 'internal error', options);
  }
  override wwwAuthenticate(): undefined {
    return undefined;
  }
  override toBody(): ErrorBody {
    return { ...INTERNAL_BODY };
  }
}

/** An HTTP error answer: status, headers (lower-case names) and JSON body. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: ErrorBody;
}

/**
 * Maps an error to its response. A `ScopegateError` gives its own status,
 * headers (with `realm`) and body; anything else gives 500 `server_error`
 * with a fixed description, so no internal detail reaches the client.
 *
 * @param error - what was thrown.
 * @param realm - `WWW-Authenticate` realm; default `"api"`.
 */
export function toErrorResponse(error: unknown, realm?: string): ErrorResponse {
  if (isScopegateError(error)) {
    return { status: error.status, headers: error.headers(realm), body: error.toBody() };
  }
  return { status: 500, headers: {}, body: { ...INTERNAL_BODY } };
}
