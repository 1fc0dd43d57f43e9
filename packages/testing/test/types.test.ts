import type { JwkSet, VerifierOptions } from '@scopegate/core';
import type { ScopegateOptions } from '@scopegate/fastify';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type Claims,
  createTestIssuer,
  type INVALID_TOKEN_KINDS,
  INVALID_TOKEN_REASONS,
  type InvalidTokenKind,
  type InvalidTokenOptions,
  type ListeningTestIssuer,
  type PublicJwk,
  type PublicJwkSet,
  type RemoteVerifierOptions,
  type RotateKeysOptions,
  type Scopes,
  type SignOptions,
  type StaticVerifierOptions,
  type TEST_ALGORITHMS,
  type TEST_PROFILES,
  type TestAlgorithm,
  type TestIssuer,
  type TestIssuerOptions,
  type TestProfile,
  type TokenMinter,
  type UserTokenOptions,
} from '../src/index.js';
import type { INVALID_TOKEN_OPTION_NAMES } from '../src/invalid-tokens.js';
import type {
  ROTATE_KEYS_OPTION_NAMES,
  SIGN_OPTION_NAMES,
  TEST_ISSUER_OPTION_NAMES,
  USER_TOKEN_OPTION_NAMES,
} from '../src/test-issuer.js';

type Auth = Parameters<typeof import('@scopegate/express').auth>[0];

describe('public types', () => {
  it('createTestIssuer takes optional TestIssuerOptions and resolves a TestIssuer', () => {
    expectTypeOf(createTestIssuer).parameters.toEqualTypeOf<[options?: TestIssuerOptions]>();
    expectTypeOf(createTestIssuer).returns.toEqualTypeOf<Promise<TestIssuer>>();
    expectTypeOf<TestIssuer['listen']>().returns.toEqualTypeOf<Promise<ListeningTestIssuer>>();
  });

  it('both issuers mint: every minting method resolves the compact token', () => {
    expectTypeOf<TestIssuer>().toExtend<TokenMinter>();
    expectTypeOf<ListeningTestIssuer>().toExtend<TokenMinter>();
    expectTypeOf<TokenMinter['clientToken']>().toEqualTypeOf<
      (clientId: string, scopes?: Scopes, claims?: Claims, options?: SignOptions) => Promise<string>
    >();
    expectTypeOf<TokenMinter['userToken']>().toEqualTypeOf<
      (subject: string, scopes?: Scopes, claims?: Claims, options?: UserTokenOptions) => Promise<string>
    >();
    expectTypeOf<TokenMinter['sign']>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<TokenMinter['invalidToken']>().parameter(0).toEqualTypeOf<InvalidTokenKind>();
    expectTypeOf<TokenMinter['rotateKeys']>().returns.toEqualTypeOf<Promise<string>>();
  });

  it('verifierOptions spread into createVerifier, auth() and the Fastify plugin', () => {
    expectTypeOf<StaticVerifierOptions>().toExtend<VerifierOptions>();
    expectTypeOf<RemoteVerifierOptions>().toExtend<VerifierOptions>();
    expectTypeOf<StaticVerifierOptions>().toExtend<Auth>();
    expectTypeOf<RemoteVerifierOptions>().toExtend<Auth>();
    expectTypeOf<StaticVerifierOptions>().toExtend<ScopegateOptions>();
    expectTypeOf<PublicJwkSet>().toExtend<JwkSet>();
    expectTypeOf<TestIssuer['verifierOptions']>().toEqualTypeOf<StaticVerifierOptions>();
    expectTypeOf<ListeningTestIssuer['verifierOptions']>().toEqualTypeOf<RemoteVerifierOptions>();
  });

  it('published keys have no private member in their type', () => {
    expectTypeOf<'d' extends keyof PublicJwk ? true : false>().toEqualTypeOf<false>();
    expectTypeOf<PublicJwk['kty']>().toEqualTypeOf<'RSA' | 'EC' | 'OKP'>();
    expectTypeOf<PublicJwk['use']>().toEqualTypeOf<'sig'>();
  });

  it('the lists hold exactly the members of their unions', () => {
    expectTypeOf<(typeof TEST_ALGORITHMS)[number]>().toEqualTypeOf<TestAlgorithm>();
    expectTypeOf<(typeof TEST_PROFILES)[number]>().toEqualTypeOf<TestProfile>();
    expectTypeOf<(typeof INVALID_TOKEN_KINDS)[number]>().toEqualTypeOf<InvalidTokenKind>();
    expectTypeOf<keyof typeof INVALID_TOKEN_REASONS>().toEqualTypeOf<InvalidTokenKind>();
    expectTypeOf(INVALID_TOKEN_REASONS.forged).toEqualTypeOf<'signature'>();
  });

  // Adding an option to a type without adding it to its list (which would make it refused at
  // runtime) fails here.
  it('the known-option lists hold exactly the option names of their types', () => {
    expectTypeOf<(typeof TEST_ISSUER_OPTION_NAMES)[number]>().toEqualTypeOf<keyof TestIssuerOptions>();
    expectTypeOf<(typeof SIGN_OPTION_NAMES)[number]>().toEqualTypeOf<keyof SignOptions>();
    expectTypeOf<(typeof USER_TOKEN_OPTION_NAMES)[number]>().toEqualTypeOf<keyof UserTokenOptions>();
    expectTypeOf<(typeof ROTATE_KEYS_OPTION_NAMES)[number]>().toEqualTypeOf<keyof RotateKeysOptions>();
    expectTypeOf<(typeof INVALID_TOKEN_OPTION_NAMES)[number]>().toEqualTypeOf<keyof InvalidTokenOptions>();
  });

  it('the algorithm and profile options take only supported values', () => {
    expectTypeOf<{ alg: 'HS256' }>().not.toExtend<TestIssuerOptions>();
    expectTypeOf<{ profile: 'azure' }>().not.toExtend<TestIssuerOptions>();
    expectTypeOf<{ header: { alg: 'none' } }>().not.toExtend<SignOptions>();
  });
});
