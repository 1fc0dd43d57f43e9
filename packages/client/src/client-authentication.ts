/**
 * Client authentication to the token endpoint, RFC 6749 §2.3.1.
 *
 * For HTTP Basic the RFC requires the client id and secret to be encoded with
 * the application/x-www-form-urlencoded algorithm (Appendix B) *before* they
 * are joined with ":" and base64-encoded. Skipping that step breaks ids and
 * secrets containing ":", "%", "+", spaces or non-ASCII characters on servers
 * that decode per the RFC.
 */
import type { ClientAuthMethod } from './options.js';

/** application/x-www-form-urlencoded encoding of one value (UTF-8, space as "+"). */
export function formUrlEncode(value: string): string {
  // URLSearchParams implements exactly the WHATWG form serializer.
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The `Authorization` header value for `client_secret_basic`. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const credentials = `${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`;
  // After form encoding the credentials are pure ASCII, which btoa accepts as is.
  return `Basic ${btoa(credentials)}`;
}

/**
 * Adds the client's credentials to a token request: an `Authorization`
 * header for Basic, or `client_id`/`client_secret` form parameters for post.
 */
export function applyClientAuthentication(
  method: ClientAuthMethod,
  clientId: string,
  clientSecret: string,
  headers: Headers,
  body: URLSearchParams,
): void {
  if (method === 'client_secret_basic') {
    headers.set('authorization', basicAuthorization(clientId, clientSecret));
  } else {
    body.append('client_id', clientId);
    body.append('client_secret', clientSecret);
  }
}
