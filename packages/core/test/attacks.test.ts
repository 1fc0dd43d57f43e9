/**
 * RFC 8725 attack classes. Each case asserts the exact error class, status
 * and that nothing outside the configured key source was consulted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlgorithmNotAllowedError,
  createVerifier,
  EncryptedTokenError,
  type InvalidTokenError,
  MalformedTokenError,
  SignatureInvalidError,
  TokenTooLargeError,
  UnsupportedCriticalHeaderError,
  type Verifier,
  verifyJwsSignature,
} from '../src/index.js';
import {
  AUDIENCE,
  b64,
  baseClaims,
  ISSUER,
  jwksOf,
  NOW_MS,
  SECRET,
  sign,
  signRaw,
  testKey,
  withSegment,
} from './support/tokens.js';

let server: Server;
let requests = 0;
let baseUrl = '';
let verifier: Verifier;

beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++;
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: await jwksOf(testKey('RS256'), testKey('ES256'), testKey('EdDSA')),
    now: () => NOW_MS,
    tokenCache: false,
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function reject(token: string, v: Verifier = verifier): Promise<InvalidTokenError> {
  try {
    await v.verify(token);
  } catch (error) {
    const e = error as InvalidTokenError;
    expect(e.status).toBe(401);
    expect(e.code).toBe('invalid_token');
    return e;
  }
  throw new Error('token was accepted');
}

describe('alg none', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('rejects alg %s with an empty signature', async (alg) => {
    const valid = await sign('RS256');
    const token = `${b64({ alg, kid: 'rsa-a' })}.${valid.split('.')[1]}.`;
    expect(await reject(token)).toBeInstanceOf(AlgorithmNotAllowedError);
  });
  it('rejects alg none even with the original signature kept', async () => {
    const valid = await sign('RS256');
    expect(await reject(withSegment(valid, 0, b64({ alg: 'none', kid: 'rsa-a' })))).toBeInstanceOf(
      AlgorithmNotAllowedError,
    );
  });
  it('rejects a missing or non-string alg', async () => {
    const valid = await sign('RS256');
    expect(await reject(withSegment(valid, 0, b64({ kid: 'rsa-a' })))).toBeInstanceOf(
      AlgorithmNotAllowedError,
    );
    expect(await reject(withSegment(valid, 0, b64({ alg: ['RS256'] })))).toBeInstanceOf(
      AlgorithmNotAllowedError,
    );
  });
});

describe('key confusion (HS256 signed with the RSA public key)', () => {
  it('is rejected by a JWKS verifier (HS not allowed)', async () => {
    const key = await testKey('RS256');
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    for (const secret of [pem, JSON.stringify(key.publicJwk), key.publicJwk.n as string]) {
      const token = await sign('HS256', baseClaims(), {
        key: new TextEncoder().encode(secret),
        kid: 'rsa-a',
      });
      const error = await reject(token);
      expect(error).toBeInstanceOf(AlgorithmNotAllowedError);
    }
  });
  it('is rejected by the signature module even if asked directly', async () => {
    const key = await testKey('RS256');
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const token = await sign('HS256', baseClaims(), { key: new TextEncoder().encode(pem) });
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(verifyJwsSignature('HS256', key.publicKey, `${h}.${p}`, s)).toBe(false);
  });
  it('an RS token cannot be checked with an HMAC secret', async () => {
    const v = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, now: () => NOW_MS });
    expect(await reject(await sign('RS256'), v)).toBeInstanceOf(AlgorithmNotAllowedError);
  });
});

describe('embedded key headers are never used', () => {
  it('ignores an attacker jwk header (with and without kid)', async () => {
    const attacker = await testKey('RS256', 'attacker');
    for (const kid of ['rsa-a', null]) {
      const token = await sign('RS256', baseClaims(), {
        key: attacker,
        kid,
        header: { jwk: attacker.publicJwk },
      });
      expect(await reject(token)).toBeInstanceOf(SignatureInvalidError);
    }
  });

  it.each(['jku', 'x5u'])('never fetches %s', async (param) => {
    const attacker = await testKey('ES256', 'attacker');
    const before = requests;
    const token = await sign('ES256', baseClaims(), {
      key: attacker,
      kid: 'p256-a',
      header: { [param]: `${baseUrl}/attacker-keys` },
    });
    expect(await reject(token)).toBeInstanceOf(SignatureInvalidError);
    // a URL-valued header on a legitimately signed token changes nothing either
    await expect(
      verifier.verify(await sign('ES256', baseClaims(), { header: { [param]: `${baseUrl}/x` } })),
    ).resolves.toBeDefined();
    expect(requests).toBe(before);
  });

  it('ignores an x5c chain', async () => {
    const attacker = await testKey('EdDSA', 'attacker');
    const token = await sign('EdDSA', baseClaims(), {
      key: attacker,
      kid: 'ed25519-a',
      header: { x5c: ['MIIB'] },
    });
    expect(await reject(token)).toBeInstanceOf(SignatureInvalidError);
  });
});

describe('crit', () => {
  it.each([[['exp']], [['https://example.com/ext']], [['b64', 'x']]])(
    'rejects unknown crit %j',
    async (crit) => {
      const header = {
        alg: 'RS256',
        kid: 'rsa-a',
        crit,
        'https://example.com/ext': 1,
        x: 1,
        b64: true,
        exp: 1,
      };
      const token = signRaw('RS256', await testKey('RS256'), header, JSON.stringify(baseClaims()));
      expect(await reject(token)).toBeInstanceOf(UnsupportedCriticalHeaderError);
    },
  );
  it('rejects b64=false (unencoded payload)', async () => {
    const key = await testKey('RS256');
    const token = signRaw(
      'RS256',
      key,
      { alg: 'RS256', kid: 'rsa-a', b64: false, crit: ['b64'] },
      JSON.stringify(baseClaims()),
    );
    const error = await reject(token);
    expect(error).toBeInstanceOf(UnsupportedCriticalHeaderError);
    expect(error.message).toBe('unencoded payloads (crit b64=false) are not supported');
  });
  it.each([[[]], ['b64'], [[1]], [['']]])('rejects a malformed crit %j', async (crit) => {
    const key = await testKey('RS256');
    const token = signRaw('RS256', key, { alg: 'RS256', kid: 'rsa-a', crit }, JSON.stringify(baseClaims()));
    expect(await reject(token)).toBeInstanceOf(MalformedTokenError);
  });
  it('rejects crit b64 without a boolean b64', async () => {
    const key = await testKey('RS256');
    const token = signRaw(
      'RS256',
      key,
      { alg: 'RS256', kid: 'rsa-a', crit: ['b64'] },
      JSON.stringify(baseClaims()),
    );
    expect(await reject(token)).toBeInstanceOf(MalformedTokenError);
  });
  it('accepts crit b64 with b64=true (same as jose)', async () => {
    const key = await testKey('RS256');
    const token = signRaw(
      'RS256',
      key,
      { alg: 'RS256', kid: 'rsa-a', b64: true, crit: ['b64'] },
      JSON.stringify(baseClaims()),
    );
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });
});

describe('JWE and malformed tokens', () => {
  it('rejects a five-segment JWE', async () => {
    const error = await reject('eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d');
    expect(error).toBeInstanceOf(EncryptedTokenError);
    expect(error.message).toBe('encrypted tokens (JWE) are not accepted');
  });

  it.each([
    ['empty', ''],
    ['one segment', 'abc'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['six segments', 'a.b.c.d.e.f'],
    ['empty header', '.e30.sig'],
    ['empty payload', 'e30..sig'],
  ])('rejects %s', async (_n, token) => {
    expect(await reject(token)).toBeInstanceOf(MalformedTokenError);
  });

  it.each([
    ['"!" in the header', (t: string) => `!${t}`],
    ['"+" in the payload', (t: string) => t.replace('.', '.+')],
    ['"/" in the signature', (t: string) => `${t.slice(0, -2)}/A`],
    ['"=" padding on the signature', (t: string) => `${t}==`],
    ['a space inside', (t: string) => t.replace('.', ' .')],
    ['a newline at the end', (t: string) => `${t}\n`],
    [
      'a 4n+1 long signature',
      (t: string) => `${t}AAAAA`.slice(0, t.length - (t.split('.')[2]!.length % 4) + 1),
    ],
  ])('rejects bad base64url: %s', async (_n, mutate) => {
    const token = mutate(await sign('ES256'));
    expect(await reject(token)).toBeInstanceOf(MalformedTokenError);
  });

  it.each([
    ['not JSON', 'not json'],
    ['an array', '[1,2]'],
    ['a number', '42'],
    ['a string', '"hello"'],
    ['null', 'null'],
  ])('rejects a header that is %s', async (_n, text) => {
    const valid = await sign('RS256');
    const error = await reject(withSegment(valid, 0, Buffer.from(text).toString('base64url')));
    expect(error).toBeInstanceOf(MalformedTokenError);
  });

  it.each([
    ['not JSON', 'not json'],
    ['an array', '[{"sub":"x"}]'],
    ['a number', '42'],
    ['null', 'null'],
  ])('rejects a correctly signed payload that is %s', async (_n, text) => {
    const key = await testKey('RS256');
    const token = await new CompactSign(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-a' })
      .sign(key.privateKey);
    const error = await reject(token);
    expect(error).toBeInstanceOf(MalformedTokenError);
    expect(error.message).toMatch(/payload/);
  });

  // RFC 7515 §5.2, RFC 7519 §7.2: the JSON is UTF-8. A lenient decoder would turn each bad
  // byte into U+FFFD, so "svc\xFF" and "svc\x80" would both read as the subject "svc\uFFFD".
  const signedBytes = async (payload: Uint8Array, header: Uint8Array | undefined = undefined) => {
    const key = await testKey('ES256');
    if (header === undefined)
      return new CompactSign(payload)
        .setProtectedHeader({ alg: 'ES256', kid: 'p256-a' })
        .sign(key.privateKey);
    const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
    const { sign: cryptoSign } = await import('node:crypto');
    const signature = cryptoSign('sha256', Buffer.from(input), {
      key: key.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  };
  const claimsWithSub = (sub: Buffer) => {
    const before = JSON.stringify({ ...baseClaims(), sub: undefined }).slice(0, -1);
    return Buffer.concat([Buffer.from(`${before},"sub":"`), sub, Buffer.from('"}')]);
  };

  it.each([
    ['a lone 0xFF', [0xff]],
    ['a stray continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
  ])('rejects a correctly signed payload that is not UTF-8: %s', async (_n, bytes) => {
    const error = await reject(await signedBytes(claimsWithSub(Buffer.from([0x73, ...bytes]))));
    expect(error).toBeInstanceOf(MalformedTokenError);
    expect(error.message).toBe('the token payload is not valid UTF-8');
  });

  it('rejects a correctly signed header that is not UTF-8 (an overlong "/")', async () => {
    const header = Buffer.concat([
      Buffer.from('{"alg":"ES256","kid":"p256-a","x":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}'),
    ]);
    const error = await reject(await signedBytes(Buffer.from(JSON.stringify(baseClaims())), header));
    expect(error).toBeInstanceOf(MalformedTokenError);
    expect(error.message).toBe('the token header is not valid UTF-8');
  });

  it('accepts a claim that spells U+FFFD in valid UTF-8', async () => {
    const token = await signedBytes(claimsWithSub(Buffer.from('svc\uFFFD', 'utf8')));
    expect((await verifier.verify(token)).subject).toBe('svc\uFFFD');
  });

  it('rejects a non-string kid', async () => {
    const key = await testKey('RS256');
    const token = signRaw('RS256', key, { alg: 'RS256', kid: 7 }, JSON.stringify(baseClaims()));
    expect(await reject(token)).toBeInstanceOf(MalformedTokenError);
  });

  it('rejects an empty or stripped signature', async () => {
    const valid = await sign('RS256');
    expect(await reject(withSegment(valid, 2, ''))).toBeInstanceOf(SignatureInvalidError);
  });

  it('rejects a DER-encoded ECDSA signature (only IEEE P1363 r||s)', async () => {
    const key = await testKey('ES256');
    const input = `${b64({ alg: 'ES256', kid: 'p256-a' })}.${b64(baseClaims())}`;
    const { sign: cryptoSign } = await import('node:crypto');
    const der = cryptoSign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'der' });
    expect(await reject(`${input}.${der.toString('base64url')}`)).toBeInstanceOf(SignatureInvalidError);
  });

  it('rejects a truncated or extended RSA signature', async () => {
    const valid = await sign('RS256');
    const sig = valid.split('.')[2] as string;
    expect(await reject(withSegment(valid, 2, sig.slice(0, -4)))).toBeInstanceOf(SignatureInvalidError);
    expect(await reject(withSegment(valid, 2, `${sig}AAAA`))).toBeInstanceOf(SignatureInvalidError);
  });
});

describe('oversized tokens', () => {
  it('rejects a token over 8192 characters before parsing it', async () => {
    const error = await reject('x'.repeat(8193));
    expect(error).toBeInstanceOf(TokenTooLargeError);
    expect(error.message).toBe('the token is larger than allowed');
  });
  it('rejects an oversized but otherwise valid token', async () => {
    const token = await sign('RS256', baseClaims({ pad: 'p'.repeat(9000) }));
    expect(await reject(token)).toBeInstanceOf(TokenTooLargeError);
  });
  it('accepts a token at exactly the limit and honours maxTokenLength', async () => {
    const token = await sign('RS256');
    const exact = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: await jwksOf(testKey('RS256')),
      now: () => NOW_MS,
      maxTokenLength: token.length,
    });
    await expect(exact.verify(token)).resolves.toBeDefined();
    const smaller = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: await jwksOf(testKey('RS256')),
      now: () => NOW_MS,
      maxTokenLength: token.length - 1,
    });
    expect(await reject(token, smaller)).toBeInstanceOf(TokenTooLargeError);
  });
  it('a huge JWE-looking token is "too large", not parsed', async () => {
    expect(await reject(`${'a'.repeat(5000)}.b.c.d.${'e'.repeat(5000)}`)).toBeInstanceOf(TokenTooLargeError);
  });
});
