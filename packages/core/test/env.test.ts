import { describe, expect, it } from 'vitest';
import { ConfigurationError, createVerifierFromEnv } from '../src/index.js';
import { AUDIENCE, ISSUER, jwksOf, NOW_MS, sign, testKey } from './support/tokens.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

describe('createVerifierFromEnv', () => {
  it('names every missing variable', () => {
    const both = thrown(() => createVerifierFromEnv({}));
    expect(both).toBeInstanceOf(ConfigurationError);
    expect(both.message).toBe(
      'scopegate is not configured: set SCOPEGATE_ISSUER and SCOPEGATE_AUDIENCE (or pass issuer and audience options)',
    );
    expect(thrown(() => createVerifierFromEnv({ SCOPEGATE_ISSUER: ISSUER })).message).toMatch(
      /set SCOPEGATE_AUDIENCE \(/,
    );
    expect(
      thrown(() => createVerifierFromEnv({ SCOPEGATE_AUDIENCE: AUDIENCE, SCOPEGATE_ISSUER: ' , ' })).message,
    ).toMatch(/set SCOPEGATE_ISSUER \(/);
  });

  it('reads comma-separated lists and verifies with override keys', async () => {
    const verifier = createVerifierFromEnv(
      {
        SCOPEGATE_ISSUER: ` https://other.example/ , ${ISSUER}`,
        SCOPEGATE_AUDIENCE: AUDIENCE,
        SCOPEGATE_JWKS_URI: 'http://public.example.com/jwks',
      },
      { jwks: await jwksOf(testKey('RS256')), now: () => NOW_MS },
    );
    const auth = await verifier.verify(await sign('RS256'));
    expect(auth.issuer).toBe(ISSUER);
  });

  it('passes SCOPEGATE_JWKS_URI to the key source (URL policy applies)', () => {
    const error = thrown(() =>
      createVerifierFromEnv({
        SCOPEGATE_ISSUER: ISSUER,
        SCOPEGATE_AUDIENCE: AUDIENCE,
        SCOPEGATE_JWKS_URI: 'http://public.example.com/jwks',
      }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/jwksUri/);
    expect(() =>
      createVerifierFromEnv({
        SCOPEGATE_ISSUER: ISSUER,
        SCOPEGATE_AUDIENCE: AUDIENCE,
        SCOPEGATE_JWKS_URI: 'http://127.0.0.1:9/jwks',
      }),
    ).not.toThrow();
  });

  it('overrides win over the environment and default to process.env', () => {
    expect(() =>
      createVerifierFromEnv({}, { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [] } }),
    ).not.toThrow();
    const saved = { ...process.env };
    try {
      delete process.env.SCOPEGATE_ISSUER;
      delete process.env.SCOPEGATE_AUDIENCE;
      expect(thrown(() => createVerifierFromEnv())).toBeInstanceOf(ConfigurationError);
    } finally {
      process.env = saved;
    }
  });
});
