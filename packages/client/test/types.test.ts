import {
  type ClientAuthMethod,
  createTokenClient,
  type DiscoveryError,
  type GetTokenOptions,
  InvalidClientError,
  InvalidGrantError,
  InvalidScopeError,
  InvalidTokenRequestError,
  type RetryOptions,
  type TokenClient,
  type TokenClientConfigurationError,
  type TokenClientError,
  type TokenClientErrorCode,
  type TokenClientOptions,
  type TokenEndpointError,
  type TokenRequestError,
  type TokenResponse,
  type TokenResponseError,
  type TokenTimeoutError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '@scopegate/client';
import { describe, expectTypeOf, it } from 'vitest';
import type { RETRY_OPTION_KEYS, TOKEN_CLIENT_OPTION_KEYS } from '../src/options.js';
import type { GET_TOKEN_OPTION_KEYS } from '../src/token-client.js';
import type { KeysOfUnion } from '../src/unknown-options.js';

describe('public types', () => {
  it('createTokenClient takes TokenClientOptions and returns a TokenClient', () => {
    expectTypeOf(createTokenClient).parameter(0).toEqualTypeOf<TokenClientOptions>();
    expectTypeOf(createTokenClient).returns.toEqualTypeOf<TokenClient>();
  });

  it('options: exactly one of tokenUrl or issuer', () => {
    const creds = { clientId: 'a', clientSecret: 'b' };
    expectTypeOf({ ...creds, tokenUrl: 'https://x/token' }).toExtend<TokenClientOptions>();
    expectTypeOf({ ...creds, tokenUrl: new URL('https://x/token') }).toExtend<TokenClientOptions>();
    expectTypeOf({ ...creds, issuer: 'https://x' }).toExtend<TokenClientOptions>();
    expectTypeOf({
      ...creds,
      issuer: 'https://x',
      tokenUrl: 'https://x/t',
    }).not.toExtend<TokenClientOptions>();
    expectTypeOf(creds).not.toExtend<TokenClientOptions>();
    expectTypeOf<TokenClientOptions['authMethod']>().toEqualTypeOf<ClientAuthMethod | undefined>();
    expectTypeOf<ClientAuthMethod>().toEqualTypeOf<'client_secret_basic' | 'client_secret_post'>();
    expectTypeOf<TokenClientOptions['scope']>().toEqualTypeOf<string | readonly string[] | undefined>();
    expectTypeOf<TokenClientOptions['resource']>().toEqualTypeOf<string | readonly string[] | undefined>();
    expectTypeOf<TokenClientOptions['retry']>().toEqualTypeOf<RetryOptions | undefined>();
    expectTypeOf<RetryOptions>().toEqualTypeOf<{
      attempts?: number;
      baseDelayMs?: number;
      maxDelayMs?: number;
      maxTotalMs?: number;
    }>();
    expectTypeOf<TokenClientOptions['now']>().toEqualTypeOf<(() => number) | undefined>();
    expectTypeOf<TokenClientOptions['onRefreshError']>().toEqualTypeOf<
      ((error: TokenClientError) => void) | undefined
    >();
  });

  it('TokenClient methods', () => {
    expectTypeOf<TokenClient['getToken']>().toEqualTypeOf<(options?: GetTokenOptions) => Promise<string>>();
    expectTypeOf<TokenClient['getTokenResponse']>().toEqualTypeOf<
      (options?: GetTokenOptions) => Promise<TokenResponse>
    >();
    expectTypeOf<TokenClient['invalidate']>().toEqualTypeOf<(token?: string) => void>();
    expectTypeOf<TokenClient['fetch']>().toEqualTypeOf<
      (input: string | URL | Request, init?: RequestInit) => Promise<Response>
    >();
    // client.fetch can stand in for the platform fetch.
    expectTypeOf<TokenClient['fetch']>().toExtend<(input: string, init?: RequestInit) => Promise<Response>>();
    expectTypeOf<TokenClient['clientId']>().toEqualTypeOf<string>();
    expectTypeOf<TokenResponse['expiresAt']>().toEqualTypeOf<number>();
    expectTypeOf<TokenResponse['scope']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TokenResponse['tokenType']>().toEqualTypeOf<'Bearer'>();
  });

  it('error hierarchy', () => {
    expectTypeOf<TokenClientError>().toExtend<Error>();
    expectTypeOf<TokenClientError['code']>().toEqualTypeOf<TokenClientErrorCode>();
    for (const E of [
      InvalidClientError,
      InvalidScopeError,
      UnauthorizedClientError,
      InvalidGrantError,
      UnsupportedGrantTypeError,
      InvalidTokenRequestError,
    ]) {
      expectTypeOf(new E({ status: 400, error: 'x' })).toExtend<TokenEndpointError>();
    }
    expectTypeOf<TokenEndpointError['error']>().toEqualTypeOf<string>();
    expectTypeOf<TokenEndpointError['errorDescription']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TokenEndpointError['status']>().toEqualTypeOf<number>();
    expectTypeOf<TokenTimeoutError>().toExtend<TokenRequestError>();
    expectTypeOf<TokenRequestError['attempts']>().toEqualTypeOf<number>();
    expectTypeOf<TokenRequestError['retryAfterSec']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TokenResponseError['status']>().toEqualTypeOf<number>();
    expectTypeOf<DiscoveryError['issuer']>().toEqualTypeOf<string>();
    expectTypeOf<DiscoveryError['retryAfterSec']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TokenClientConfigurationError>().toExtend<TokenClientError>();
  });

  // The lists of accepted option names: adding an option to a type without
  // adding it to its list (which would make it refused at runtime) fails here.
  it('the known-option lists hold exactly the option names of the types', () => {
    expectTypeOf<(typeof TOKEN_CLIENT_OPTION_KEYS)[number]>().toEqualTypeOf<
      KeysOfUnion<TokenClientOptions>
    >();
    // Both branches of the union: tokenUrl and issuer.
    expectTypeOf<'tokenUrl' | 'issuer'>().toExtend<(typeof TOKEN_CLIENT_OPTION_KEYS)[number]>();
    expectTypeOf<(typeof RETRY_OPTION_KEYS)[number]>().toEqualTypeOf<keyof RetryOptions>();
    expectTypeOf<(typeof GET_TOKEN_OPTION_KEYS)[number]>().toEqualTypeOf<keyof GetTokenOptions>();
  });
});
