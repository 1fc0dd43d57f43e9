// Verifier micro-benchmarks: every case verifies the same kinds of tokens in
// one process; cases are sampled in interleaved rounds (each case once per
// round) and the median of the rounds is reported, so machine noise hits all
// cases alike.

import { verify as cryptoVerify } from 'node:crypto';
import { createVerifier } from '@scopegate/core';
import { JwtVerifier } from 'aws-jwt-verify';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import { createLocalJWKSet, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { ALGORITHMS, AUDIENCE, ISSUER, makeKey, signToken, tamper } from './fixtures.js';
import { median } from './median.js';

const DIGEST = { RS256: 'sha256', ES256: 'sha256', EdDSA: null };
const DSA = { ES256: 'ieee-p1363' };

/** The cases of one algorithm: name, whether tokens repeat, and an async factory of a verify function. */
function cases(key) {
  // fast-jwt with or without its own verified-token cache.
  const fastJwtCase = (name, id, cache) => ({
    name,
    id,
    async create() {
      const v = createFastJwtVerifier({
        key: key.pem,
        algorithms: [alg],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        cache,
      });
      return (token) => v(token);
    },
  });
  // A scopegate case: a verifier over the key's JWK Set (keys loaded), and what to call on it.
  const scopegateCase = (name, id, options, use) => ({
    name,
    id,
    async create() {
      const v = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: key.jwks, ...options });
      await v.warmup();
      return use(v);
    },
  });
  const { alg } = key;
  const digest = DIGEST[alg];
  const keyInput = DSA[alg] ? { key: key.publicKey, dsaEncoding: DSA[alg] } : key.publicKey;
  return [
    {
      name: 'node:crypto verify (floor)',
      id: 'floor',
      async create() {
        return (token) => {
          const dot = token.lastIndexOf('.');
          const ok = cryptoVerify(
            digest,
            Buffer.from(token.slice(0, dot)),
            keyInput,
            Buffer.from(token.slice(dot + 1), 'base64url'),
          );
          if (!ok) throw new Error('invalid');
        };
      },
    },
    {
      name: 'jose jwtVerify',
      id: 'jose',
      async create() {
        const jwks = createLocalJWKSet(key.jwks);
        return (token) => jwtVerify(token, jwks, { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] });
      },
    },
    fastJwtCase('fast-jwt', 'fastjwt', false),
    { ...fastJwtCase('fast-jwt (cache, repeated token)', 'fastjwt-cached', true), repeated: true },
    {
      name: 'aws-jwt-verify',
      id: 'aws',
      async create() {
        const v = JwtVerifier.create({
          issuer: ISSUER,
          audience: AUDIENCE,
          jwksUri: 'https://issuer.bench.test/jwks.json',
        });
        v.cacheJwks(key.jwks);
        return (token) => v.verifySync(token);
      },
    },
    {
      name: 'jsonwebtoken',
      id: 'jsonwebtoken',
      async create() {
        const options = { algorithms: [alg === 'EdDSA' ? 'EdDSA' : alg], issuer: ISSUER, audience: AUDIENCE };
        return (token) => jsonwebtoken.verify(token, key.publicKey, options);
      },
    },
    scopegateCase(
      'scopegate verify() cold',
      'scopegate-cold',
      { tokenCache: false },
      (v) => (t) => v.verify(t),
    ),
    scopegateCase(
      'scopegate verifySync() cold',
      'scopegate-sync-cold',
      { tokenCache: false },
      (v) => (t) => v.verifySync(t),
    ),
    {
      ...scopegateCase('scopegate verify() cached', 'scopegate-cached', {}, (v) => (t) => v.verify(t)),
      repeated: true,
    },
    {
      ...scopegateCase('scopegate authorize() + scope', 'scopegate-authorize', {}, (v) => {
        const requirement = { scopes: ['data:read'] };
        return async (token) => {
          const decision = await v.authorize(`Bearer ${token}`, requirement);
          if (!decision.ok) throw new Error(decision.body.error);
        };
      }),
      repeated: true,
    },
  ];
}

// jsonwebtoken rejects EdDSA on some versions: such a case is reported as unsupported, not failed.
async function accepts(fn, token) {
  try {
    await fn(token);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs every case for every algorithm.
 * @returns {{ alg: string, results: { id: string, name: string, opsPerSec: number | null, samples?: number[], note?: string }[] }[]}
 */
export async function runMicro({ rounds = 7, sliceMs = 200, poolSize = 512, log = () => {} } = {}) {
  const out = [];
  for (const alg of ALGORITHMS) {
    const key = makeKey(alg);
    const pool = Array.from({ length: poolSize }, () => signToken(key));
    const repeated = [pool[0]];
    const prepared = [];
    for (const c of cases(key)) {
      const fn = await c.create();
      // Every case must accept a valid token and reject a tampered one before it is timed.
      const ok = await accepts(fn, pool[1]);
      const rejects = !(await accepts(fn, tamper(pool[2])));
      if (!ok || !rejects) {
        prepared.push({ ...c, fn: null, note: ok ? 'accepted a tampered token' : `does not support ${alg}` });
        if (ok && !rejects) throw new Error(`${c.name} accepted a tampered ${alg} token`);
        continue;
      }
      prepared.push({ ...c, fn, samples: [] });
    }
    for (let r = 0; r < rounds; r++) {
      // Rotate the order every round so no case always runs right after the
      // same neighbour (e.g. the garbage jose leaves for the next case's GC).
      for (let k = 0; k < prepared.length; k++) {
        const c = prepared[(k + r) % prepared.length];
        if (!c.fn) continue;
        c.samples.push(await timed(c.fn, c.repeated ? repeated : pool, sliceMs));
      }
    }
    const results = prepared.map((c) => ({
      id: c.id,
      name: c.name,
      opsPerSec: c.fn ? median(c.samples) : null,
      // Per round, in round order: the report pairs cases round by round.
      ...(c.fn ? { samples: c.samples.map(Math.round) } : {}),
      note: c.note,
    }));
    log(alg, results);
    out.push({ alg, results });
  }
  return out;
}

async function timed(fn, tokens, sliceMs) {
  const n = tokens.length;
  let calls = 0;
  let i = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(sliceMs) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let k = 0; k < 64; k++) {
      const r = fn(tokens[i]);
      if (r !== undefined && r !== null && typeof r.then === 'function') await r;
      i = i + 1 === n ? 0 : i + 1;
    }
    calls += 64;
    now = process.hrtime.bigint();
  }
  return (calls * 1e9) / Number(now - start);
}
