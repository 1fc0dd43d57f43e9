/**
 * Profiles: tokens shaped like each authorization server's, verified by the
 * real verifier with the matching `profile` preset (which verifierOptions
 * carries): machine tokens are clients with the right client id and scopes,
 * people's tokens are users; and the shapes hold the claims that make each
 * vendor's tokens what they are.
 */
import { createVerifier, type VerifiedToken } from '@scopegate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestIssuer,
  INVALID_TOKEN_KINDS,
  INVALID_TOKEN_REASONS,
  TEST_PROFILES,
  type TestIssuer,
  type TestProfile,
} from '../src/index.js';
import { decode, expectRefused } from './helpers.js';

// Cognito tokens carry no aud: scopegate checks client_id against the audience.
const audienceFor = (profile: TestProfile) =>
  profile === 'cognito' ? ['nightly-data-sync', 'dashboard', 'test-client'] : 'https://api.test';

describe.each(TEST_PROFILES)('profile %s', (profile) => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ profile, alg: 'ES256', audience: audienceFor(profile) });
  });

  const verify = (token: string): Promise<VerifiedToken> =>
    createVerifier({ ...idp.verifierOptions }).verify(token);

  it('verifierOptions carries the profile', () => {
    expect(idp.verifierOptions.profile).toBe(profile);
    expect(idp.profile).toBe(profile);
  });

  it('a machine token is a client with its client id and scopes', async () => {
    const auth = await verify(await idp.clientToken('nightly-data-sync', 'data:read data:write'));
    expect(auth.subjectType).toBe('client');
    expect(auth.clientId).toBe('nightly-data-sync');
    expect([...auth.scopes].sort()).toEqual(['data:read', 'data:write']);
  });

  it("a person's token is a user of the app", async () => {
    const auth = await verify(
      await idp.userToken('alice', 'data:read', undefined, { clientId: 'dashboard' }),
    );
    expect(auth.subjectType).toBe('user');
    expect(auth.clientId).toBe('dashboard');
    expect(auth.subject).toBe('alice');
    expect([...auth.scopes]).toEqual(['data:read']);
  });

  it('tokens without scopes verify too', async () => {
    expect((await verify(await idp.clientToken('nightly-data-sync'))).scopes.size).toBe(0);
    expect(
      (await verify(await idp.userToken('alice', undefined, undefined, { clientId: 'dashboard' })))
        .subjectType,
    ).toBe('user');
  });

  it('every invalid kind is refused', async () => {
    const verifier = createVerifier({ ...idp.verifierOptions });
    for (const kind of INVALID_TOKEN_KINDS)
      await expectRefused(verifier.verify(await idp.invalidToken(kind)), INVALID_TOKEN_REASONS[kind]);
  });
});

describe('token shapes', () => {
  const shapes = async (profile: TestProfile) => {
    const idp = await createTestIssuer({ profile, alg: 'ES256', audience: audienceFor(profile) });
    const client = decode(await idp.clientToken('nightly-data-sync', 'data:read data:write'));
    const user = decode(await idp.userToken('alice', 'data:read', undefined, { clientId: 'dashboard' }));
    return { client, user };
  };

  it('generic: RFC 9068 at+jwt, client_id, gty client_credentials, scope string', async () => {
    const { client, user } = await shapes('generic');
    expect(client.header.typ).toBe('at+jwt');
    expect(client.payload).toMatchObject({
      aud: 'https://api.test',
      sub: 'nightly-data-sync',
      client_id: 'nightly-data-sync',
      gty: 'client_credentials',
      scope: 'data:read data:write',
    });
    expect(user.payload).toMatchObject({ sub: 'alice', client_id: 'dashboard', scope: 'data:read' });
    expect(user.payload).not.toHaveProperty('gty');
  });

  it('hydra: typ JWT, sub == client_id, scp array, aud array', async () => {
    const { client, user } = await shapes('hydra');
    expect(client.header.typ).toBe('JWT');
    expect(client.payload).toMatchObject({
      aud: ['https://api.test'],
      sub: 'nightly-data-sync',
      client_id: 'nightly-data-sync',
      scp: ['data:read', 'data:write'],
    });
    expect(client.payload).not.toHaveProperty('gty');
    expect(client.payload).not.toHaveProperty('scope');
    expect(user.payload).toMatchObject({ sub: 'alice', client_id: 'dashboard', scp: ['data:read'] });
  });

  it('auth0: sub <id>@clients, azp, gty client-credentials, scope string', async () => {
    const { client, user } = await shapes('auth0');
    expect(client.header.typ).toBe('JWT');
    expect(client.payload).toMatchObject({
      sub: 'nightly-data-sync@clients',
      azp: 'nightly-data-sync',
      gty: 'client-credentials',
      scope: 'data:read data:write',
    });
    expect(client.payload).not.toHaveProperty('client_id');
    expect(user.payload).toMatchObject({ sub: 'alice', azp: 'dashboard', scope: 'data:read' });
  });

  it('okta: no typ, cid, sub == cid, no uid for machines, scp array', async () => {
    const { client, user } = await shapes('okta');
    expect(client.header).not.toHaveProperty('typ');
    expect(client.payload).toMatchObject({
      ver: 1,
      cid: 'nightly-data-sync',
      sub: 'nightly-data-sync',
      scp: ['data:read', 'data:write'],
    });
    expect(client.payload).not.toHaveProperty('uid');
    expect(user.payload).toMatchObject({
      cid: 'dashboard',
      sub: 'alice',
      uid: expect.stringMatching(/^00u/),
    });
  });

  it('entra: v2, azp, sub == oid and roles for apps; scp string and oid != sub for people', async () => {
    const { client, user } = await shapes('entra');
    expect(client.header.typ).toBe('JWT');
    expect(client.payload).toMatchObject({
      ver: '2.0',
      azp: 'nightly-data-sync',
      roles: ['data:read', 'data:write'],
    });
    expect(client.payload.sub).toBe(client.payload.oid);
    expect(client.payload).not.toHaveProperty('scp');
    expect(client.payload).not.toHaveProperty('idtyp');
    expect(user.payload).toMatchObject({ azp: 'dashboard', sub: 'alice', scp: 'data:read' });
    expect(user.payload.oid).not.toBe(user.payload.sub);
  });

  it('entra: the optional idtyp claim can be added', async () => {
    const idp = await createTestIssuer({ profile: 'entra', alg: 'ES256' });
    const token = await idp.clientToken('app', 'Data.Read', { idtyp: 'app' });
    await expect(createVerifier({ ...idp.verifierOptions }).verify(token)).resolves.toMatchObject({
      subjectType: 'client',
      clientId: 'app',
    });
  });

  it('keycloak: sub is a service-account UUID, preferred_username service-account-<id>, client_id and azp', async () => {
    const { client, user } = await shapes('keycloak');
    expect(client.header.typ).toBe('JWT');
    expect(client.payload).toMatchObject({
      sub: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      azp: 'nightly-data-sync',
      client_id: 'nightly-data-sync',
      preferred_username: 'service-account-nightly-data-sync',
      scope: 'data:read data:write',
    });
    expect(user.payload).toMatchObject({ sub: 'alice', azp: 'dashboard', preferred_username: 'alice' });
    expect(user.payload).not.toHaveProperty('client_id');
  });

  it('keycloak: derived ids are stable', async () => {
    const a = await shapes('keycloak');
    const b = await shapes('keycloak');
    expect(a.client.payload.sub).toBe(b.client.payload.sub);
  });

  it('cognito: no typ, no aud, token_use access, sub == client_id; people have a username', async () => {
    const { client, user } = await shapes('cognito');
    expect(client.header).not.toHaveProperty('typ');
    expect(client.payload).not.toHaveProperty('aud');
    expect(client.payload).toMatchObject({
      sub: 'nightly-data-sync',
      client_id: 'nightly-data-sync',
      token_use: 'access',
      scope: 'data:read data:write',
    });
    expect(user.payload).toMatchObject({ sub: 'alice', username: 'alice', client_id: 'dashboard' });
  });

  it('cognito: a client id outside the audience is refused (aud)', async () => {
    const idp = await createTestIssuer({ profile: 'cognito', alg: 'ES256', audience: 'only-this-client' });
    const verifier = createVerifier({ ...idp.verifierOptions });
    await expect(verifier.verify(await idp.clientToken('only-this-client'))).resolves.toBeDefined();
    await expectRefused(verifier.verify(await idp.clientToken('another-client')), 'aud');
  });

  it('cognito: invalid tokens name the first audience entry, so each has its own defect only', async () => {
    // no 'test-client' in the audience: a token for it would also be refused for its client_id (aud),
    // which scopegate checks before exp and nbf
    const idp = await createTestIssuer({
      profile: 'cognito',
      alg: 'ES256',
      audience: ['nightly-data-sync', 'dashboard'],
    });
    const verifier = createVerifier({ ...idp.verifierOptions });
    for (const kind of INVALID_TOKEN_KINDS) {
      const token = await idp.invalidToken(kind, { scopes: 'data:read' });
      await expectRefused(verifier.verify(token), INVALID_TOKEN_REASONS[kind]);
      if (kind !== 'malformed') expect(decode(token).payload.client_id, kind).toBe('nightly-data-sync');
    }
    // a client id from the audience is kept
    const dashboard = await idp.invalidToken('expired', { clientId: 'dashboard' });
    expect(decode(dashboard).payload).toMatchObject({ sub: 'dashboard', client_id: 'dashboard' });
    await expectRefused(verifier.verify(dashboard), 'exp');
    // a single audience string works the same way
    const single = await createTestIssuer({ profile: 'cognito', alg: 'ES256', audience: 'only-client' });
    const expired = await single.invalidToken('expired');
    expect(decode(expired).payload.client_id).toBe('only-client');
    await expectRefused(createVerifier({ ...single.verifierOptions }).verify(expired), 'exp');
  });

  it('cognito: an invalid token for a client outside the audience is a TypeError (two defects)', async () => {
    const idp = await createTestIssuer({ profile: 'cognito', alg: 'ES256', audience: ['nightly-data-sync'] });
    for (const kind of INVALID_TOKEN_KINDS)
      await expect(idp.invalidToken(kind, { clientId: 'test-client' }), kind).rejects.toThrow(
        /invalidToken\(\): with profile 'cognito'.*"test-client" is not in the audience/,
      );
    // also when the claims name it
    await expect(idp.invalidToken('expired', { claims: { client_id: 'other' } })).rejects.toThrow(TypeError);
    // a token that names its audience in aud is checked on aud, not client_id
    const withAud = await idp.invalidToken('expired', {
      clientId: 'test-client',
      claims: { aud: 'nightly-data-sync' },
    });
    await expectRefused(createVerifier({ ...idp.verifierOptions }).verify(withAud), 'exp');
    // other profiles put the audience in aud: any client id will do
    const generic = await createTestIssuer({ alg: 'ES256', audience: 'https://api.test' });
    await expectRefused(
      createVerifier({ ...generic.verifierOptions }).verify(
        await generic.invalidToken('expired', { clientId: 'anyone' }),
      ),
      'exp',
    );
  });

  it('cognito needs an explicit audience', async () => {
    await expect(createTestIssuer({ profile: 'cognito' })).rejects.toThrow(
      /profile 'cognito' needs `audience`/,
    );
  });

  it('typ: a string overrides the profile, null sends none', async () => {
    const jwt = await createTestIssuer({ alg: 'ES256', typ: 'JWT' });
    expect(decode(await jwt.clientToken('svc')).header.typ).toBe('JWT');
    const none = await createTestIssuer({ alg: 'ES256', typ: null });
    expect(decode(await none.clientToken('svc')).header).not.toHaveProperty('typ');
    const hydra = await createTestIssuer({ profile: 'hydra', alg: 'ES256', typ: 'at+jwt' });
    expect(decode(await hydra.clientToken('svc')).header.typ).toBe('at+jwt');
  });
});

describe('the generic verifier on profile tokens', () => {
  it('a Keycloak service account is a user without the keycloak preset: use the profile', async () => {
    const idp = await createTestIssuer({ profile: 'keycloak', alg: 'ES256' });
    const token = await idp.clientToken('nightly-data-sync');
    const { profile: _, ...generic } = idp.verifierOptions;
    expect((await createVerifier(generic).verify(token)).subjectType).toBe('user');
    expect((await createVerifier({ ...idp.verifierOptions }).verify(token)).subjectType).toBe('client');
  });
});
