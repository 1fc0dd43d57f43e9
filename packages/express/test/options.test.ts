/**
 * `auth()` refuses option names it does not know, at setup: a misspelt option
 * would otherwise be dropped and its default (often "no check") applied.
 */
import { ConfigurationError, createVerifier, type ScopegateEvent } from '@scopegate/core';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { auth, requireScopes } from '../src/index.js';
import { AUDIENCE, clientClaims, ISSUER, makeKey, signWith, type TestKey } from './helpers/tokens.js';

let key: TestKey;

beforeAll(async () => {
  key = await makeKey('options-key');
});

const base = () => ({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.jwk] } });

function thrown(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('auth() option names', () => {
  it('an adapter option misspelt: refused, with the name meant', () => {
    const error = thrown(() => auth({ ...base(), ratelimit: { defaultPerMinute: 1 } } as never));
    expect(error.message).toContain('auth(): unknown option `ratelimit` (did you mean `rateLimit`?)');
  });

  it('a verifier option misspelt: refused by auth(), naming it', () => {
    const error = thrown(() => auth({ ...base(), clockTolerance: 30 } as never));
    expect(error.message).toContain('`clockTolerance` (did you mean `clockToleranceSec`?)');
  });

  it('several unknown names are all listed; values never appear', () => {
    const error = thrown(() =>
      auth({ ...base(), clientSecret: 'sekrit-value-1', zzz: 'sekrit-value-2' } as never),
    );
    expect(error.message).toMatch(/unknown options `clientSecret`.*`zzz`/);
    expect(error.message).not.toContain('sekrit');
  });

  it('the nested rateLimit options are checked too', () => {
    const error = thrown(() => auth({ ...base(), rateLimit: { defaultPerMinte: 5 } as never }));
    expect(error.message).toContain('`defaultPerMinte` (did you mean `defaultPerMinute`?)');
  });

  it('and the nested jwksCache options', () => {
    const error = thrown(() =>
      auth({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://issuer.test/jwks',
        jwksCache: { maxAge: 1 } as never,
      }),
    );
    expect(error.message).toContain('jwksCache: unknown option `maxAge` (did you mean `maxAgeMs`?)');
  });

  it('beside `verifier`, a verifier option that would be ignored is refused', () => {
    const verifier = createVerifier(base());
    const error = thrown(() => auth({ verifier, clockToleranceSec: 30 } as never));
    expect(error.message).toMatch(/either `verifier` or verifier options.*clockToleranceSec/);
  });

  it('beside `verifier`, an option left undefined (e.g. from an unset variable) is no mistake', () => {
    const verifier = createVerifier(base());
    expect(() => auth({ verifier, realm: undefined, jwksUri: undefined } as never)).not.toThrow();
  });

  it('beside `verifier`, scopeMatch and onEvent apply (the middleware uses them)', async () => {
    const events: ScopegateEvent[] = [];
    const verifier = createVerifier(base());
    const app = express();
    app.use(
      auth({
        verifier,
        scopeMatch: 'wildcard',
        onEvent: (event) => events.push(event),
        rateLimit: { defaultPerMinute: 5, clientMetadata: () => Promise.reject(new Error('down')) },
      }),
    );
    app.get('/data', requireScopes('data:read'), (_req, res) => {
      res.json({ ok: true });
    });
    const token = await signWith(key, clientClaims('svc-wild', 'data:*'));
    const res = await request(app).get('/data').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(events.map((event) => event.type)).toContain('rate_limit_metadata_failed');
  });
});
