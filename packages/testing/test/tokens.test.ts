/**
 * Valid tokens, through @scopegate/core's real createVerifier: client and
 * user tokens come out with the subject type, client id, scopes and expiry
 * the test asked for, for every algorithm; `sign()` fills in exactly the
 * registered claims; claim overrides and removals behave as documented.
 */
import { createVerifier } from '@scopegate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestIssuer,
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  DEFAULT_USER_CLIENT_ID,
  TEST_ALGORITHMS,
  type TestIssuer,
} from '../src/index.js';
import { decode, expectRefused, verify } from './helpers.js';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await createTestIssuer();
});

describe('clientToken', () => {
  it('is a client_credentials token scopegate reads as a client with these scopes', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await idp.clientToken('nightly-data-sync', 'data:read data:write');
    const auth = await verify(idp.verifierOptions, token);
    expect(auth).toMatchObject({
      issuer: DEFAULT_ISSUER,
      subject: 'nightly-data-sync',
      subjectType: 'client',
      clientId: 'nightly-data-sync',
    });
    expect([...auth.scopes]).toEqual(['data:read', 'data:write']);
    expect(auth.expiresAt).toBeGreaterThanOrEqual(before + 300);
    expect(auth.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 300);
    expect(auth.header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: idp.kid });
    expect(auth.claims).toEqual({
      iss: DEFAULT_ISSUER,
      aud: DEFAULT_AUDIENCE,
      iat: auth.expiresAt - 300,
      exp: auth.expiresAt,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sub: 'nightly-data-sync',
      client_id: 'nightly-data-sync',
      gty: 'client_credentials',
      scope: 'data:read data:write',
    });
  });

  it('takes scopes as a list or a string, drops empties and repeats, and leaves `scope` out when there are none', async () => {
    const listed = decode(await idp.clientToken('svc', ['data:read', 'data:read', ' admin  ', ''])).payload;
    expect(listed.scope).toBe('data:read admin');
    const none = decode(await idp.clientToken('svc')).payload;
    expect(none).not.toHaveProperty('scope');
    const auth = await verify(idp.verifierOptions, await idp.clientToken('svc', []));
    expect(auth.scopes.size).toBe(0);
  });

  it('every token has its own jti', async () => {
    const a = decode(await idp.clientToken('svc')).payload.jti;
    const b = decode(await idp.clientToken('svc')).payload.jti;
    expect(a).not.toBe(b);
  });

  it('extra claims are added, given ones override, undefined ones are removed', async () => {
    const token = await idp.clientToken('svc', 'data:read', {
      tenant: 'acme',
      aud: ['https://other.test', DEFAULT_AUDIENCE],
      gty: undefined,
      jti: undefined,
    });
    const { payload } = decode(token);
    expect(payload.tenant).toBe('acme');
    expect(payload.aud).toEqual(['https://other.test', DEFAULT_AUDIENCE]);
    expect(payload).not.toHaveProperty('gty');
    expect(payload).not.toHaveProperty('jti');
    // sub == client_id still marks a machine without gty
    const auth = await verify(idp.verifierOptions, token);
    expect(auth.subjectType).toBe('client');
    expect(auth.claims.tenant).toBe('acme');
  });

  it('a claim named __proto__ stays a claim', async () => {
    const claims = JSON.parse('{"__proto__": {"polluted": true}}');
    const { payload } = decode(await idp.clientToken('svc', undefined, claims));
    expect(Object.hasOwn(payload, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('options: lifetime, not-before and header parameters', async () => {
    const token = await idp.clientToken('svc', 'a', undefined, {
      expiresInSec: 60,
      notBeforeSec: -30,
      header: { typ: 'JWT', cty: undefined, 'x-test': 1 },
    });
    const { header, payload } = decode(token);
    expect(payload.exp).toBe((payload.iat as number) + 60);
    expect(payload.nbf).toBe((payload.iat as number) - 30);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: idp.kid, 'x-test': 1 });
    expect((await verify(idp.verifierOptions, token)).expiresAt).toBe(payload.exp);
  });

  it('a negative lifetime gives a token scopegate refuses as expired', async () => {
    const token = await idp.clientToken('svc', 'a', undefined, { expiresInSec: -60 });
    await expectRefused(verify(idp.verifierOptions, token), 'exp');
  });

  it('a header kid other than the signing key is refused (the kid option picks the key, header.kid only labels it)', async () => {
    const token = await idp.clientToken('svc', 'a', undefined, { header: { kid: 'someone-else' } });
    expect(decode(token).header.kid).toBe('someone-else');
    await expectRefused(verify(idp.verifierOptions, token), 'kid');
  });

  it('a typ of the verifier passes, another is refused with reason typ', async () => {
    const strict = createVerifier({ ...idp.verifierOptions, typ: 'at+jwt' });
    await expect(strict.verify(await idp.clientToken('svc'))).resolves.toMatchObject({ subject: 'svc' });
    const jwt = await idp.clientToken('svc', undefined, undefined, { header: { typ: 'JWT' } });
    await expectRefused(strict.verify(jwt), 'typ');
  });

  it('an unknown critical header is refused with reason crit', async () => {
    const token = await idp.clientToken('svc', 'a', undefined, {
      header: { crit: ['urn:example:binding'], 'urn:example:binding': 'x' },
    });
    await expectRefused(verify(idp.verifierOptions, token), 'crit');
  });
});

describe('userToken', () => {
  it("is a person's token: scopegate reads a user of the app test-app", async () => {
    const auth = await verify(idp.verifierOptions, await idp.userToken('alice', ['data:read']));
    expect(auth).toMatchObject({
      subject: 'alice',
      subjectType: 'user',
      clientId: DEFAULT_USER_CLIENT_ID,
    });
    expect([...auth.scopes]).toEqual(['data:read']);
    expect(auth.claims).not.toHaveProperty('gty');
  });

  it('names another app through options.clientId', async () => {
    const auth = await verify(
      idp.verifierOptions,
      await idp.userToken('alice', 'data:read', { email: 'alice@example.com' }, { clientId: 'dashboard' }),
    );
    expect(auth).toMatchObject({ subjectType: 'user', clientId: 'dashboard' });
    expect(auth.claims.email).toBe('alice@example.com');
  });

  it('refuses a subject scopegate would read as a machine', async () => {
    await expect(idp.userToken('test-app')).rejects.toThrow(TypeError);
    await expect(idp.userToken('svc', undefined, undefined, { clientId: 'svc' })).rejects.toThrow(/machine/);
    await expect(idp.userToken('svc@clients')).rejects.toThrow(/machine/);
    await expect(idp.userToken('service-account-x')).rejects.toThrow(/machine/);
  });
});

describe('sign', () => {
  it('fills in iss, aud, iat, exp and jti, and nothing else', async () => {
    const { payload } = decode(await idp.sign());
    expect(Object.keys(payload)).toEqual(['iss', 'aud', 'iat', 'exp', 'jti']);
    expect(payload).toMatchObject({ iss: DEFAULT_ISSUER, aud: DEFAULT_AUDIENCE });
    // no sub: scopegate refuses it, naming the claim
    const error = await expectRefused(verify(idp.verifierOptions, await idp.sign()), 'claim');
    expect(error).toMatchObject({ claim: 'sub' });
  });

  it('given claims win over the defaults', async () => {
    const token = await idp.sign({ sub: 'svc', iss: 'https://elsewhere.test/', exp: 4_000_000_000 });
    const { payload } = decode(token);
    expect(payload).toMatchObject({ sub: 'svc', iss: 'https://elsewhere.test/', exp: 4_000_000_000 });
    await expectRefused(verify(idp.verifierOptions, token), 'iss');
  });

  it('omit leaves default claims out; scopegate then names the missing one', async () => {
    const noExp = await idp.sign({ sub: 'svc' }, { omit: ['exp'] });
    expect(decode(noExp).payload).not.toHaveProperty('exp');
    expect(await expectRefused(verify(idp.verifierOptions, noExp), 'claim')).toMatchObject({ claim: 'exp' });
    const noAud = await idp.sign({ sub: 'svc' }, { omit: ['aud', 'jti', 'iat'] });
    expect(Object.keys(decode(noAud).payload)).toEqual(['iss', 'exp', 'sub']);
    await expectRefused(verify(idp.verifierOptions, noAud), 'aud');
    const noIss = await idp.sign({ sub: 'svc' }, { omit: ['iss'] });
    await expectRefused(verify(idp.verifierOptions, noIss), 'iss');
  });

  it('a token that is valid save for its lifetime expires exactly at iat + expiresInSec', async () => {
    const token = await idp.sign({ sub: 'svc' }, { expiresInSec: 1 });
    const { payload } = decode(token);
    expect(payload.exp).toBe((payload.iat as number) + 1);
  });
});

describe.each(TEST_ALGORITHMS)('%s', (alg) => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ alg });
  });

  it('client and user tokens verify; the header names the algorithm and the kid', async () => {
    const client = await verify(issuer.verifierOptions, await issuer.clientToken('svc', 'data:read'));
    expect(client).toMatchObject({
      subjectType: 'client',
      clientId: 'svc',
      header: { alg, kid: issuer.kid },
    });
    const user = await verify(issuer.verifierOptions, await issuer.userToken('alice', 'data:read'));
    expect(user).toMatchObject({ subjectType: 'user', clientId: DEFAULT_USER_CLIENT_ID });
    expect(issuer.alg).toBe(alg);
  });

  it('a verifier allowing only this algorithm accepts it', async () => {
    const only = createVerifier({ ...issuer.verifierOptions, algorithms: [alg] });
    await expect(only.verify(await issuer.clientToken('svc'))).resolves.toMatchObject({ subject: 'svc' });
  });
});
