/**
 * @scopegate/client: the worker side of OAuth 2.0 client_credentials.
 * Token caching with single-flight refresh, retries with backoff, and a
 * fetch wrapper. No runtime dependencies.
 */
export {
  DiscoveryError,
  InvalidClientError,
  InvalidGrantError,
  InvalidScopeError,
  InvalidTokenRequestError,
  TokenClientConfigurationError,
  TokenClientError,
  type TokenClientErrorCode,
  TokenEndpointError,
  TokenRequestError,
  type TokenRequestFailure,
  TokenResponseError,
  TokenTimeoutError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from './errors.js';
export type {
  ClientAuthMethod,
  FetchLike,
  RetryOptions,
  TokenClientBaseOptions,
  TokenClientOptions,
} from './options.js';
export { createTokenClient, type GetTokenOptions, type TokenClient } from './token-client.js';
export type { TokenResponse } from './token-response.js';
