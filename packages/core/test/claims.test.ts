import { describe, expect, it } from 'vitest';
import {
  AudienceMismatchError,
  ClaimInvalidError,
  checkClaims,
  checkTokenType,
  compileClaimRules,
  createVerifier,
  IssuerMismatchError,
  normalizeTyp,
  type ScopegateError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenTooOldError,
  TokenTypeMismatchError,
  type VerifierOptions,
} from '../src/index.js';
import { AUDIENCE, baseClaims, hs256Raw, ISSUER, NOW, NOW_MS, SECRET, sign } from './support/tokens.js';

function verifier(extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, now: () => NOW_MS, ...extra });
}

async function outcome(claims: Record<string, unknown>, extra: Partial<VerifierOptions> = {}, header = {}) {
  const token = await sign('HS256', claims, { header });
  try {
    await verifier(extra).verify(token);
    return 'ok';
  } catch (error) {
    const e = error as ScopegateError;
    expect(e.message).not.toContain(token);
    expect(e.message).not.toContain(token.split('.')[1]);
    return `${e.name}:${e.reason}:${e.message}`;
  }
}

describe('iss', () => {
  it('accepts an exact match among several issuers', async () => {
    expect(await outcome(baseClaims(), { issuer: ['https://a.example/', ISSUER] })).toBe('ok');
  });
  it.each([
    ['missing', { iss: undefined }, 'IssuerMismatchError:iss:the token has no issuer (iss)'],
    ['not a string', { iss: 42 }, 'IssuerMismatchError:iss:the token has no issuer (iss)'],
    [
      'different',
      { iss: 'https://evil.example.com/' },
      'IssuerMismatchError:iss:the token issuer (iss) is not accepted',
    ],
    [
      'missing trailing slash',
      { iss: ISSUER.slice(0, -1) },
      'IssuerMismatchError:iss:the token issuer (iss) is not accepted',
    ],
    [
      'other case',
      { iss: ISSUER.toUpperCase() },
      'IssuerMismatchError:iss:the token issuer (iss) is not accepted',
    ],
  ])('rejects %s', async (_n, extra, expected) => {
    expect(await outcome(baseClaims(extra))).toBe(expected);
  });
});

describe('aud', () => {
  it.each([
    ['a string', AUDIENCE],
    ['an array containing it', ['https://other', AUDIENCE]],
  ])('accepts %s', async (_n, aud) => {
    expect(await outcome(baseClaims({ aud }))).toBe('ok');
  });
  it('accepts when one of several configured audiences matches', async () => {
    expect(await outcome(baseClaims({ aud: 'b' }), { audience: ['a', 'b'] })).toBe('ok');
  });
  it.each([
    ['missing', { aud: undefined }, 'AudienceMismatchError:aud:the token has no audience (aud)'],
    [
      'different',
      { aud: 'https://other' },
      'AudienceMismatchError:aud:the token audience (aud) is not accepted',
    ],
    [
      'an array without it',
      { aud: ['x', 'y'] },
      'AudienceMismatchError:aud:the token audience (aud) is not accepted',
    ],
    ['an empty array', { aud: [] }, 'AudienceMismatchError:aud:the token audience (aud) is not accepted'],
    ['a number', { aud: 5 }, 'AudienceMismatchError:aud:the token audience (aud) is not accepted'],
  ])('rejects %s', async (_n, extra, expected) => {
    expect(await outcome(baseClaims(extra))).toBe(expected);
  });
});

describe('exp / nbf / iat', () => {
  it.each([
    ['exp missing', { exp: undefined }, 'ClaimInvalidError:claim:the token has no numeric expiry (exp)'],
    [
      'exp a string',
      { exp: String(NOW + 100) },
      'ClaimInvalidError:claim:the token has no numeric expiry (exp)',
    ],
    ['exp null', { exp: null }, 'ClaimInvalidError:claim:the token has no numeric expiry (exp)'],
    [
      'nbf a string',
      { nbf: 'soon' },
      'ClaimInvalidError:claim:the token not-before time (nbf) is not a number',
    ],
    [
      'iat a string',
      { iat: 'then' },
      'ClaimInvalidError:claim:the token issued-at time (iat) is not a number',
    ],
  ])('rejects %s', async (_n, extra, expected) => {
    expect(await outcome(baseClaims(extra))).toBe(expected);
  });

  it('applies the default 5 s tolerance to exp at its exact boundary', async () => {
    expect(await outcome(baseClaims({ exp: NOW - 4 }))).toBe('ok');
    expect(await outcome(baseClaims({ exp: NOW - 5 }))).toBe(
      'TokenExpiredError:exp:the token has expired (exp)',
    );
  });

  it('honours clockToleranceSec', async () => {
    expect(await outcome(baseClaims({ exp: NOW - 30 }), { clockToleranceSec: 60 })).toBe('ok');
    expect(await outcome(baseClaims({ exp: NOW }), { clockToleranceSec: 0 })).toMatch(/^TokenExpiredError/);
    expect(await outcome(baseClaims({ exp: NOW + 1 }), { clockToleranceSec: 0 })).toBe('ok');
  });

  it('rejects nbf in the future beyond the tolerance', async () => {
    expect(await outcome(baseClaims({ nbf: NOW + 5 }))).toBe('ok');
    expect(await outcome(baseClaims({ nbf: NOW + 6 }))).toBe(
      'TokenNotYetValidError:nbf:the token is not valid yet (nbf)',
    );
  });

  it('does not judge iat without maxTokenAgeSec', async () => {
    expect(await outcome(baseClaims({ iat: NOW + 3600 }))).toBe('ok');
  });

  it('enforces maxTokenAgeSec on iat', async () => {
    const opts = { maxTokenAgeSec: 60 };
    expect(await outcome(baseClaims({ iat: NOW - 65 }), opts)).toBe('ok');
    expect(await outcome(baseClaims({ iat: NOW - 66 }), opts)).toBe(
      'TokenTooOldError:iat:the token was issued too long ago (iat, maxTokenAgeSec)',
    );
    expect(await outcome(baseClaims({ iat: NOW + 6 }), opts)).toBe(
      'TokenTooOldError:iat:the token was issued in the future (iat)',
    );
    expect(await outcome(baseClaims({ iat: undefined }), opts)).toBe(
      'ClaimInvalidError:claim:the token has no issued-at time (iat), required by maxTokenAgeSec',
    );
  });
});

it('rejects an exp that JSON parses to Infinity', async () => {
  const payload = JSON.stringify(baseClaims()).replace(/"exp":\d+/, '"exp":1e400');
  const token = hs256Raw({ alg: 'HS256' }, payload);
  await expect(verifier().verify(token)).rejects.toThrow('the token has no numeric expiry (exp)');
});

describe('sub', () => {
  it.each([
    ['missing', { sub: undefined }],
    ['empty', { sub: '' }],
    ['a number', { sub: 7 }],
  ])('rejects a %s subject', async (_n, extra) => {
    expect(await outcome(baseClaims(extra))).toBe('ClaimInvalidError:claim:the token has no subject (sub)');
  });
});

describe('typ', () => {
  it.each(['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT'])(
    'accepts header typ %s',
    async (typ) => {
      expect(await outcome(baseClaims(), { typ: 'at+jwt' }, { typ })).toBe('ok');
    },
  );
  it('accepts a configured typ with the application/ prefix', async () => {
    expect(await outcome(baseClaims(), { typ: 'application/at+jwt' }, { typ: 'at+jwt' })).toBe('ok');
  });
  it.each([['JWT'], [undefined], ['at+jwt+x']])('rejects header typ %s', async (typ) => {
    expect(await outcome(baseClaims(), { typ: 'at+jwt' }, typ === undefined ? {} : { typ })).toBe(
      'TokenTypeMismatchError:typ:the token type (typ) is not accepted (expected at+jwt)',
    );
  });
  it('ignores typ when not configured', async () => {
    expect(await outcome(baseClaims(), {}, { typ: 'anything' })).toBe('ok');
  });
  it('normalises media types', () => {
    expect(normalizeTyp('Application/AT+JWT')).toBe('at+jwt');
    expect(normalizeTyp('JWT')).toBe('jwt');
  });
});

describe('requiredClaims', () => {
  it('requires named claims to be present', async () => {
    expect(await outcome(baseClaims({ jti: 'x' }), { requiredClaims: ['jti'] })).toBe('ok');
    expect(await outcome(baseClaims(), { requiredClaims: ['jti'] })).toBe(
      'ClaimInvalidError:claim:the required claim jti is missing',
    );
    expect(await outcome(baseClaims({ jti: null }), { requiredClaims: ['jti'] })).toMatch(/jti is missing/);
  });
  it('requires exact values', async () => {
    const opts = { requiredClaims: { tenant: 'acme', level: 2, beta: true } };
    expect(await outcome(baseClaims({ tenant: 'acme', level: 2, beta: true }), opts)).toBe('ok');
    expect(await outcome(baseClaims({ tenant: 'evil', level: 2, beta: true }), opts)).toBe(
      'ClaimInvalidError:claim:the required claim tenant is missing or has an unexpected value',
    );
    expect(await outcome(baseClaims({ tenant: 'acme', level: '2', beta: true }), opts)).toMatch(/level/);
  });
  it('names the claim on the error', async () => {
    const rules = compileClaimRules({ issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['tenant'] });
    let error: unknown;
    try {
      checkClaims(baseClaims() as never, rules, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ClaimInvalidError);
    expect((error as ClaimInvalidError).claim).toBe('tenant');
  });
});

describe('compiled rules', () => {
  it('are frozen and normalised', () => {
    const rules = compileClaimRules({ issuer: 'i', audience: ['a', 'b'], typ: 'application/AT+JWT' });
    expect(Object.isFrozen(rules)).toBe(true);
    expect(rules.typ).toBe('at+jwt');
    expect([...rules.audiences]).toEqual(['a', 'b']);
    expect(rules.clockToleranceSec).toBe(5);
  });

  it('each failure is its own class, all 401 invalid_token', () => {
    const rules = compileClaimRules({ issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' });
    const fails: [unknown, () => void][] = [
      [IssuerMismatchError, () => checkClaims({ ...baseClaims(), iss: 'x' } as never, rules, NOW)],
      [AudienceMismatchError, () => checkClaims({ ...baseClaims(), aud: 'x' } as never, rules, NOW)],
      [TokenExpiredError, () => checkClaims(baseClaims() as never, rules, NOW + 10_000)],
      [TokenNotYetValidError, () => checkClaims({ ...baseClaims(), nbf: NOW + 100 } as never, rules, NOW)],
      [TokenTypeMismatchError, () => checkTokenType({ alg: 'RS256', typ: 'JWT' }, rules)],
    ];
    for (const [cls, fn] of fails) {
      let error: ScopegateError | undefined;
      try {
        fn();
      } catch (e) {
        error = e as ScopegateError;
      }
      expect(error).toBeInstanceOf(cls as never);
      expect(error?.status).toBe(401);
      expect(error?.code).toBe('invalid_token');
      expect(error?.wwwAuthenticate('api')).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="/,
      );
    }
    const tooOld = new TokenTooOldError();
    expect([tooOld.status, tooOld.code, tooOld.reason]).toEqual([401, 'invalid_token', 'iat']);
    expect(tooOld.message).toContain('iat');
  });
});
