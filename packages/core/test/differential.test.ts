/**
 * Differential property test: for valid, tampered, re-signed, wrong-alg and
 * malformed tokens of every supported algorithm, scopegate accepts exactly
 * when jose's `jwtVerify` accepts (same keys, issuer, audience, clock and
 * tolerance; `exp` required on both sides).
 *
 * Not generated, by design: inputs where jose is knowingly more lenient
 * because it decodes with `atob` (base64 padding or whitespace inside a
 * segment) and `exp` values that overflow to Infinity. scopegate rejects
 * those; attacks.test.ts pins that down.
 */
import fc from 'fast-check';
import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type JwkSet, type Verifier } from '../src/index.js';
import {
  ASYMMETRIC_ALGS,
  AUDIENCE,
  b64,
  baseClaims,
  HMAC_ALGS,
  ISSUER,
  jwksOf,
  NOW,
  NOW_MS,
  SECRET_BYTES,
  sign,
  type TestKey,
  testKey,
} from './support/tokens.js';

// The test's own copy of the supported algorithms (support/tokens.ts), not the verifier's list.
const ASYMMETRIC = ASYMMETRIC_ALGS;
const HMAC = HMAC_ALGS;
const ALL = [...ASYMMETRIC, ...HMAC] as const;
type Alg = (typeof ALL)[number];
const TOLERANCE = 5;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let jwks: JwkSet;
let asymmetric: Verifier;
let hmac: Verifier;
let localJwks: ReturnType<typeof createLocalJWKSet>;
const keys = new Map<string, TestKey>();
const otherKeys = new Map<string, TestKey>();

beforeAll(async () => {
  for (const alg of ASYMMETRIC) {
    keys.set(alg, await testKey(alg));
    otherKeys.set(alg, await testKey(alg, 'other'));
  }
  jwks = await jwksOf(
    testKey('RS256'),
    testKey('ES256'),
    testKey('ES384'),
    testKey('ES512'),
    testKey('EdDSA'),
  );
  const common = {
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW_MS,
    clockToleranceSec: TOLERANCE,
    tokenCache: false as const,
  };
  asymmetric = createVerifier({ ...common, jwks });
  hmac = createVerifier({ ...common, secret: SECRET_BYTES });
  localJwks = createLocalJWKSet(jwks as never);
});

async function scopegateAccepts(alg: Alg, token: string): Promise<boolean> {
  const verifier = (HMAC as readonly string[]).includes(alg) ? hmac : asymmetric;
  return verifier.verify(token).then(
    () => true,
    () => false,
  );
}

async function joseAccepts(alg: Alg, token: string): Promise<boolean> {
  const isHmac = (HMAC as readonly string[]).includes(alg);
  const options = {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: isHmac ? [...HMAC] : [...ASYMMETRIC],
    clockTolerance: TOLERANCE,
    currentDate: new Date(NOW_MS),
    requiredClaims: ['exp'],
  };
  try {
    if (isHmac) await jwtVerify(token, SECRET_BYTES, options);
    else await jwtVerify(token, localJwks, options);
    return true;
  } catch {
    return false;
  }
}

const claimsArb = fc.record({
  iss: fc.constantFrom(ISSUER, ISSUER, ISSUER, 'https://evil.example/'),
  aud: fc.constantFrom<string | string[]>(AUDIENCE, [AUDIENCE, 'x'], ['x'], 'https://other.example'),
  expOffset: fc.oneof(fc.integer({ min: -10, max: 10 }), fc.integer({ min: -1000, max: 1000 })),
  nbfOffset: fc.option(fc.integer({ min: -10, max: 10 }), { nil: undefined }),
  scope: fc.constantFrom('data:read', 'a b c', ''),
});

type Mutation =
  | { kind: 'none' }
  | { kind: 'flip'; segment: 0 | 1 | 2; position: number; char: number }
  | { kind: 'resign-other-key' }
  | { kind: 'sibling-alg'; pick: number }
  | { kind: 'relabel-alg'; pick: number }
  | { kind: 'drop-kid' }
  | { kind: 'malformed'; how: number; position: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'none' }),
  fc.record({
    kind: fc.constant('flip' as const),
    segment: fc.constantFrom(0 as const, 1 as const, 2 as const),
    position: fc.nat(),
    char: fc.nat({ max: 63 }),
  }),
  fc.constant<Mutation>({ kind: 'resign-other-key' }),
  fc.record({ kind: fc.constant('sibling-alg' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('relabel-alg' as const), pick: fc.nat() }),
  fc.constant<Mutation>({ kind: 'drop-kid' }),
  fc.record({ kind: fc.constant('malformed' as const), how: fc.nat({ max: 6 }), position: fc.nat() }),
);

function family(alg: Alg): readonly Alg[] {
  if (alg.startsWith('RS') || alg.startsWith('PS'))
    return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  if (alg.startsWith('HS')) return HMAC;
  return [alg];
}

type ClaimsInput = typeof claimsArb extends fc.Arbitrary<infer T> ? T : never;

async function build(alg: Alg, c: ClaimsInput, m: Mutation): Promise<string> {
  const claims: JWTPayload = {
    iss: c.iss,
    aud: c.aud,
    sub: 'svc',
    client_id: 'svc',
    scope: c.scope,
    iat: NOW - 1,
    exp: NOW + c.expOffset,
    ...(c.nbfOffset === undefined ? {} : { nbf: NOW + c.nbfOffset }),
  };
  const isHmac = alg.startsWith('HS');
  const key = isHmac ? SECRET_BYTES : (keys.get(alg) as TestKey);
  switch (m.kind) {
    case 'none':
      return sign(alg, claims, { key });
    case 'resign-other-key':
      return sign(alg, claims, {
        key: isHmac
          ? new TextEncoder().encode('another-secret-that-is-32-bytes-long!!')
          : (otherKeys.get(alg) as TestKey),
        kid: isHmac ? undefined : (key as TestKey).kid,
      });
    case 'sibling-alg': {
      // A correctly signed token with another algorithm of the same key family.
      const siblings = family(alg);
      const other = siblings[m.pick % siblings.length] as Alg;
      return sign(other, claims, { key: isHmac ? SECRET_BYTES : (key as TestKey) });
    }
    case 'relabel-alg': {
      const token = await sign(alg, claims, { key });
      const labels = [...ALL, 'none', 'HS256', 'RS256'];
      const label = labels[m.pick % labels.length] as string;
      const header = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString());
      return [b64({ ...header, alg: label }), ...token.split('.').slice(1)].join('.');
    }
    case 'drop-kid':
      return sign(alg, claims, { key, kid: null });
    case 'flip': {
      const token = await sign(alg, claims, { key });
      const parts = token.split('.');
      const segment = parts[m.segment] as string;
      if (segment.length === 0) return token;
      const i = m.position % segment.length;
      parts[m.segment] = segment.slice(0, i) + B64URL[m.char] + segment.slice(i + 1);
      return parts.join('.');
    }
    case 'malformed': {
      const token = await sign(alg, claims, { key });
      const parts = token.split('.');
      const i = m.position % token.length;
      switch (m.how) {
        case 0:
          return parts.slice(0, 2).join('.');
        case 1:
          return `${token}.${parts[2]}`;
        case 2:
          return `${token.slice(0, i)}!${token.slice(i + 1)}`;
        case 3:
          return token.slice(0, i);
        case 4:
          return [parts[0], b64('[1,2]'), parts[2]].join('.');
        case 5:
          return [b64('"x"'), parts[1], parts[2]].join('.');
        default:
          return `${parts[0]}.${parts[1]}.${(parts[2] as string).slice(0, -1)}`;
      }
    }
  }
}

describe('differential: scopegate decides exactly like jose jwtVerify', () => {
  it.each(ALL)('%s', async (alg) => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(claimsArb, mutationArb, async (claims, mutation) => {
        const token = await build(alg, claims, mutation);
        const [ours, theirs] = await Promise.all([scopegateAccepts(alg, token), joseAccepts(alg, token)]);
        if (ours) accepted++;
        expect({ token, ours }).toEqual({ token, ours: theirs });
      }),
      { numRuns: 120 },
    );
    // The generators reach both outcomes.
    expect(accepted).toBeGreaterThan(0);
  });
});

// The members that decide whether a key of a set may verify at all. Values a JWKS may
// carry, sensible or not: jose skips a key on any of them that is not what a public
// signature key should have, and scopegate must skip exactly the same keys.
const OPS = ['verify', 'sign', 'encrypt', 'deriveBits', 'frob', 1, null] as const;
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const memberArb = fc
  .record({
    key_ops: optional(
      fc.oneof(
        fc.constant(['verify']),
        fc.array(fc.constantFrom(...OPS), { maxLength: 3 }),
        fc.constantFrom<unknown>('verify', null, {}),
      ),
    ),
    ext: optional(fc.constantFrom<unknown>(true, false, 'yes', 0, 1, null)),
    use: optional(fc.constantFrom<unknown>('sig', 'enc', 'SIG', null, 1)),
    // jose fails any `d` (even empty or null) and treats a truthy `priv` as private.
    d: optional(fc.constantFrom<unknown>('', null, 0, 'AQAB')),
    priv: optional(fc.constantFrom<unknown>('', null, 0, 1, 'x', true)),
    private: fc.boolean(),
    fetched: fc.boolean(),
  })
  // Members left out, not set to undefined: as a JWKS fetched as JSON has them.
  .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));

describe('differential: scopegate uses exactly the keys of a set that jose uses', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('%s', async (alg) => {
    const key = await testKey(alg, 'members');
    const token = await sign(alg, baseClaims(), { key });
    const privateJwk = key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(memberArb, async ({ private: withPrivate, fetched, ...members }) => {
        // `use` left out of the base key, so a key without one is generated too.
        const { use: _use, ...publicJwk } = key.publicJwk;
        const jwk = { ...(withPrivate ? privateJwk : publicJwk), kid: key.kid, ...members };
        const set = { keys: [jwk] } as unknown as JwkSet;
        // Given in the options, a set with a private key is refused at setup already (a refusal
        // too); fetched from a jwks_uri it goes through the cache's own filter.
        const source = fetched
          ? {
              jwksUri: 'https://auth.example.com/jwks',
              fetch: async () =>
                new Response(JSON.stringify(set), { headers: { 'content-type': 'application/json' } }),
            }
          : { jwks: set };
        const [ours, theirs] = await Promise.all([
          Promise.resolve()
            .then(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, now: () => NOW_MS, ...source }))
            .then((verifier) => verifier.verify(token))
            .then(
              () => true,
              () => false,
            ),
          jwtVerify(token, createLocalJWKSet(set as never), {
            issuer: ISSUER,
            audience: AUDIENCE,
            currentDate: new Date(NOW_MS),
          }).then(
            () => true,
            () => false,
          ),
        ]);
        if (ours) accepted++;
        expect({ members, withPrivate, fetched, ours }).toEqual({
          members,
          withPrivate,
          fetched,
          ours: theirs,
        });
      }),
      { numRuns: 300 },
    );
    // The generator reaches both outcomes.
    expect(accepted).toBeGreaterThan(0);
  });
});
