// Keys and tokens shared by the micro and HTTP benchmarks. Tokens are signed
// once with node:crypto (the fastest signer here) so setup stays short.
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';

export const ISSUER = 'https://issuer.bench.test/';
export const AUDIENCE = 'https://api.bench.test';

const SPECS = {
  RS256: { type: 'rsa', options: { modulusLength: 2048 }, digest: 'sha256', dsa: undefined },
  ES256: { type: 'ec', options: { namedCurve: 'P-256' }, digest: 'sha256', dsa: 'ieee-p1363' },
  EdDSA: { type: 'ed25519', options: {}, digest: null, dsa: undefined },
};

export const ALGORITHMS = Object.keys(SPECS);

const b64 = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A signing key for `alg`, with its public JWK and PEM. */
export function makeKey(alg, kid = `bench-${alg.toLowerCase()}`) {
  const spec = SPECS[alg];
  const { privateKey, publicKey } = generateKeyPairSync(spec.type, spec.options);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return {
    alg,
    kid,
    privateKey,
    publicKey,
    jwk,
    jwks: { keys: [jwk] },
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** Restores a key made by {@link makeKey} in another process from its private PEM. */
export function keyFromPem(alg, kid, privatePem) {
  const privateKey = createPrivateKey(privatePem);
  return { alg, kid, privateKey };
}

/** Signs a client_credentials-style access token (RFC 9068 shape). */
export function signToken(key, overrides = {}, nowSec = Math.floor(Date.now() / 1000)) {
  const header = { alg: key.alg, typ: 'at+jwt', kid: key.kid };
  const payload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'nightly-data-sync',
    client_id: 'nightly-data-sync',
    scope: 'data:read data:write',
    iat: nowSec,
    exp: nowSec + 3600,
    jti: createHash('sha1').update(String(Math.random())).digest('hex'),
    ...overrides,
  };
  const input = `${b64(header)}.${b64(payload)}`;
  const spec = SPECS[key.alg];
  const signature = sign(
    spec.digest,
    Buffer.from(input),
    spec.dsa ? { key: key.privateKey, dsaEncoding: spec.dsa } : key.privateKey,
  );
  return `${input}.${signature.toString('base64url')}`;
}

/** The same token with one signature character changed (so it must be rejected). */
export function tamper(token) {
  const i = token.length - 5;
  const c = token[i] === 'A' ? 'B' : 'A';
  return token.slice(0, i) + c + token.slice(i + 1);
}
