import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthorizeDecision,
  type AuthorizeRequirement,
  allOf,
  authorizationHeader,
  type CLAIM_METADATA_OPTION_NAMES,
  type ClaimMetadataOptions,
  checkRequirement,
  createVerifier,
  createVerifierFromEnv,
  type ErrorBody,
  extractBearerToken,
  type GUARD_OPTION_NAMES,
  type GuardOptions,
  type HYDRA_ADMIN_OPTION_NAMES,
  type HydraAdminMetadataOptions,
  type JWKS_CACHE_CONFIG_NAMES,
  type JWKS_CACHE_OPTION_NAMES,
  type JwksCacheConfig,
  type JwksCacheOptions,
  type MEMORY_STORE_OPTION_NAMES,
  type MemoryStoreOptions,
  type RATE_LIMIT_OPTION_NAMES,
  type RateLimitOptions,
  type REMOTE_KEY_SOURCE_OPTION_NAMES,
  type REQUIREMENT_NAMES,
  type RemoteKeySourceOptions,
  type ScopegateError,
  type ScopeRequirement,
  type SyncVerifier,
  type TOKEN_CACHE_OPTION_NAMES,
  toErrorResponse,
  type VERIFIER_OPTION_NAMES,
  type VerifiedToken,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';

describe('public types', () => {
  it('createVerifier takes VerifierOptions and returns a Verifier that can also verify synchronously', () => {
    expectTypeOf(createVerifier).parameter(0).toEqualTypeOf<VerifierOptions>();
    expectTypeOf(createVerifier).returns.toEqualTypeOf<SyncVerifier>();
    expectTypeOf(createVerifierFromEnv).returns.toEqualTypeOf<SyncVerifier>();
    expectTypeOf<SyncVerifier>().toMatchTypeOf<Verifier>();
    expectTypeOf<SyncVerifier['verifySync']>().parameters.toEqualTypeOf<[string]>();
    expectTypeOf<SyncVerifier['verifySync']>().returns.toEqualTypeOf<VerifiedToken>();
    expectTypeOf<Verifier['verify']>().returns.toEqualTypeOf<Promise<VerifiedToken>>();
    expectTypeOf<Verifier['authorize']>().returns.toEqualTypeOf<Promise<AuthorizeDecision>>();
    expectTypeOf<Verifier['realm']>().toEqualTypeOf<string>();
  });

  it('VerifiedToken has the contract fields', () => {
    expectTypeOf<VerifiedToken['token']>().toEqualTypeOf<string>();
    expectTypeOf<VerifiedToken['issuer']>().toEqualTypeOf<string>();
    expectTypeOf<VerifiedToken['subject']>().toEqualTypeOf<string>();
    expectTypeOf<VerifiedToken['subjectType']>().toEqualTypeOf<'client' | 'user'>();
    expectTypeOf<VerifiedToken['clientId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<VerifiedToken['scopes']>().toEqualTypeOf<ReadonlySet<string>>();
    expectTypeOf<VerifiedToken['expiresAt']>().toEqualTypeOf<number>();
  });

  it('AuthorizeDecision narrows on ok', () => {
    const use = (decision: AuthorizeDecision) => {
      if (decision.ok) {
        expectTypeOf(decision.auth).toEqualTypeOf<VerifiedToken>();
      } else {
        expectTypeOf(decision.status).toEqualTypeOf<number>();
        expectTypeOf(decision.body).toEqualTypeOf<ErrorBody>();
        expectTypeOf(decision.error).toEqualTypeOf<ScopegateError>();
        expectTypeOf(decision.headers).toEqualTypeOf<Readonly<Record<string, string>>>();
      }
    };
    expectTypeOf(use).toBeFunction();
  });

  it('helpers', () => {
    expectTypeOf(allOf).returns.toEqualTypeOf<ScopeRequirement>();
    expectTypeOf(checkRequirement).returns.toEqualTypeOf<void>();
    expectTypeOf(extractBearerToken).returns.toEqualTypeOf<string>();
    // What it returns is what the extractors and authorize() take.
    expectTypeOf(authorizationHeader).returns.toMatchTypeOf<Parameters<typeof extractBearerToken>[0]>();
    expectTypeOf(toErrorResponse).returns.toHaveProperty('status');
    const typeOnly = () => {
      // @ts-expect-error issuer and audience are required
      createVerifier({ jwksUri: 'https://x' });
      // @ts-expect-error 'none' is not an algorithm
      createVerifier({ issuer: 'i', audience: 'a', algorithms: ['none'] });
    };
    expectTypeOf(typeOnly).toBeFunction();
  });

  it("each list of accepted option names is exactly its type's keys (adding an option without its name fails here)", () => {
    type NameOf<T extends readonly string[]> = T[number];
    expectTypeOf<NameOf<typeof VERIFIER_OPTION_NAMES>>().toEqualTypeOf<keyof VerifierOptions>();
    expectTypeOf<NameOf<typeof JWKS_CACHE_OPTION_NAMES>>().toEqualTypeOf<keyof JwksCacheOptions>();
    expectTypeOf<NameOf<typeof JWKS_CACHE_CONFIG_NAMES>>().toEqualTypeOf<keyof JwksCacheConfig>();
    expectTypeOf<NameOf<typeof TOKEN_CACHE_OPTION_NAMES>>().toEqualTypeOf<
      keyof Exclude<VerifierOptions['tokenCache'], false | undefined>
    >();
    expectTypeOf<NameOf<typeof RATE_LIMIT_OPTION_NAMES>>().toEqualTypeOf<keyof RateLimitOptions>();
    expectTypeOf<NameOf<typeof HYDRA_ADMIN_OPTION_NAMES>>().toEqualTypeOf<keyof HydraAdminMetadataOptions>();
    expectTypeOf<NameOf<typeof CLAIM_METADATA_OPTION_NAMES>>().toEqualTypeOf<keyof ClaimMetadataOptions>();
    expectTypeOf<NameOf<typeof MEMORY_STORE_OPTION_NAMES>>().toEqualTypeOf<keyof MemoryStoreOptions>();
    expectTypeOf<NameOf<typeof REMOTE_KEY_SOURCE_OPTION_NAMES>>().toEqualTypeOf<
      keyof RemoteKeySourceOptions
    >();
    expectTypeOf<NameOf<typeof GUARD_OPTION_NAMES>>().toEqualTypeOf<keyof GuardOptions>();
    expectTypeOf<NameOf<typeof REQUIREMENT_NAMES>>().toEqualTypeOf<keyof AuthorizeRequirement>();
  });
});
