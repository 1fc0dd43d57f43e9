/**
 * Subject type, client id and scopes for each preset, from claim sets shaped
 * like each vendor's client_credentials (and user) access tokens.
 */
import { describe, expect, it } from 'vitest';
import {
  ClaimInvalidError,
  createVerifier,
  genericClientId,
  genericScopes,
  genericSubjectType,
  getProfile,
  PROFILES,
  type ProfileName,
  type VerifiedToken,
} from '../src/index.js';
import { jwksOf, NOW, NOW_MS, sign, testKey } from './support/tokens.js';

const times = { iat: NOW - 5, exp: NOW + 3600 };

async function verifyAs(
  profile: ProfileName,
  claims: Record<string, unknown>,
  audience: string | string[],
): Promise<VerifiedToken> {
  const verifier = createVerifier({
    issuer: claims.iss as string,
    audience,
    jwks: await jwksOf(testKey('RS256')),
    profile,
    now: () => NOW_MS,
  });
  return verifier.verify(await sign('RS256', { ...times, ...claims }));
}

function summary(auth: VerifiedToken) {
  return { subjectType: auth.subjectType, clientId: auth.clientId, scopes: [...auth.scopes].sort() };
}

describe('generic (contract rules)', () => {
  it.each([
    ['gty client_credentials', { sub: 'u1', gty: 'client_credentials' }, 'client'],
    ['gty client-credentials', { sub: 'u1', gty: 'client-credentials' }, 'client'],
    ['gty array', { sub: 'u1', gty: ['refresh_token', 'client-credentials'] }, 'client'],
    ['idtyp app', { sub: 'u1', idtyp: 'app' }, 'client'],
    ['sub == client_id', { sub: 'c1', client_id: 'c1' }, 'client'],
    ['sub == azp', { sub: 'c1', azp: 'c1' }, 'client'],
    ['sub == cid', { sub: 'c1', cid: 'c1' }, 'client'],
    ['sub ends with @clients', { sub: 'c1@clients' }, 'client'],
    ['sub == appid only', { sub: 'c1', appid: 'c1' }, 'user'],
    ['a person', { sub: 'alice', client_id: 'web' }, 'user'],
    ['gty password', { sub: 'alice', gty: 'password' }, 'user'],
    ['no sub', {}, 'user'],
  ])('%s -> %s', (_n, claims, expected) => {
    expect(genericSubjectType(claims)).toBe(expected);
  });

  it.each([
    [{ client_id: 'a', azp: 'b', cid: 'c', appid: 'd' }, 'user', 'a'],
    [{ azp: 'b', cid: 'c', appid: 'd' }, 'user', 'b'],
    [{ cid: 'c', appid: 'd' }, 'user', 'c'],
    [{ appid: 'd' }, 'user', 'd'],
    [{ sub: 'm2m@clients' }, 'client', 'm2m'],
    [{ sub: 'svc' }, 'client', 'svc'],
    [{ sub: 'alice' }, 'user', undefined],
    [{ client_id: '' }, 'user', undefined],
  ] as const)('clientId of %j (%s) is %s', (claims, type, expected) => {
    expect(genericClientId(claims, type)).toBe(expected);
  });

  it('scopes are the union of scope and scp (string or array), deduplicated', () => {
    const scopes = genericScopes({ scope: 'a  b c', scp: ['c', 'd', 7, ''] });
    expect([...scopes]).toEqual(['a', 'b', 'c', 'd']);
    expect([...genericScopes({ scp: 'x y' })]).toEqual(['x', 'y']);
    expect([...genericScopes({ scope: 42 })]).toEqual([]);
  });

  it('RFC 9068 token from a compliant issuer', async () => {
    const auth = await verifyAs(
      'generic',
      {
        iss: 'https://as.example/',
        aud: 'https://api',
        sub: 'svc-1',
        client_id: 'svc-1',
        scope: 'data:read',
        jti: 'j',
      },
      'https://api',
    );
    expect(summary(auth)).toEqual({ subjectType: 'client', clientId: 'svc-1', scopes: ['data:read'] });
  });

  it('getProfile defaults to generic and refuses unknown names', () => {
    expect(getProfile()).toBe(PROFILES.generic);
    expect(() => getProfile('toString' as ProfileName)).toThrow(/unknown profile/);
  });
});

describe('hydra', () => {
  const iss = 'https://hydra.example.com/';
  it('client_credentials token (JWT strategy, scp array)', async () => {
    const auth = await verifyAs(
      'hydra',
      {
        iss,
        aud: ['https://api'],
        client_id: 'nightly-data-sync',
        sub: 'nightly-data-sync',
        scp: ['data:read', 'data:write'],
        ext: {},
        jti: 'x',
        nbf: NOW - 5,
      },
      'https://api',
    );
    expect(summary(auth)).toEqual({
      subjectType: 'client',
      clientId: 'nightly-data-sync',
      scopes: ['data:read', 'data:write'],
    });
  });
  it('user token (authorization code) and scope_claim string', async () => {
    const auth = await verifyAs(
      'hydra',
      { iss, aud: ['https://api'], client_id: 'web', sub: '9f1c-user', scope: 'openid data:read' },
      'https://api',
    );
    expect(summary(auth)).toEqual({ subjectType: 'user', clientId: 'web', scopes: ['data:read', 'openid'] });
  });
  it('does not treat gty or @clients as machine signals', () => {
    expect(PROFILES.hydra.subjectType({ sub: 'x@clients', gty: 'client_credentials', client_id: 'y' })).toBe(
      'user',
    );
  });
});

describe('auth0', () => {
  const iss = 'https://tenant.eu.auth0.com/';
  it('M2M token: @clients, gty, azp, permissions as scopes', async () => {
    const auth = await verifyAs(
      'auth0',
      {
        iss,
        sub: 'Xq9s8d7f6g5h4j3k@clients',
        aud: 'https://api.example.com',
        scope: 'read:data',
        gty: 'client-credentials',
        azp: 'Xq9s8d7f6g5h4j3k',
        permissions: ['read:data', 'write:data'],
      },
      'https://api.example.com',
    );
    expect(auth.subject).toBe('Xq9s8d7f6g5h4j3k@clients');
    expect(summary(auth)).toEqual({
      subjectType: 'client',
      clientId: 'Xq9s8d7f6g5h4j3k',
      scopes: ['read:data', 'write:data'],
    });
  });
  it('RFC 9068 profile token (client_id claim) and client id from sub when absent', () => {
    expect(PROFILES.auth0.clientId({ client_id: 'c', azp: 'z' }, 'client')).toBe('c');
    expect(PROFILES.auth0.clientId({ sub: 'abc@clients' }, 'client')).toBe('abc');
    expect(PROFILES.auth0.clientId({ sub: 'auth0|1' }, 'user')).toBeUndefined();
  });
  it('user token', async () => {
    const auth = await verifyAs(
      'auth0',
      {
        iss,
        sub: 'auth0|64f1',
        aud: ['https://api.example.com', `${iss}userinfo`],
        azp: 'spa',
        scope: 'openid profile read:data',
      },
      'https://api.example.com',
    );
    expect(summary(auth)).toEqual({
      subjectType: 'user',
      clientId: 'spa',
      scopes: ['openid', 'profile', 'read:data'],
    });
  });
});

describe('okta', () => {
  const iss = 'https://dev-123.okta.com/oauth2/default';
  it('client_credentials token: no uid, sub == cid, scp array', async () => {
    const auth = await verifyAs(
      'okta',
      {
        ver: 1,
        jti: 'AT.x',
        iss,
        aud: 'api://default',
        cid: '0oa1b2c3d4',
        scp: ['data.read'],
        sub: '0oa1b2c3d4',
      },
      'api://default',
    );
    expect(summary(auth)).toEqual({ subjectType: 'client', clientId: '0oa1b2c3d4', scopes: ['data.read'] });
  });
  it('user token has uid', async () => {
    const auth = await verifyAs(
      'okta',
      {
        ver: 1,
        iss,
        aud: 'api://default',
        cid: '0oaweb',
        uid: '00u1',
        scp: ['openid', 'email'],
        sub: 'alice@example.com',
      },
      'api://default',
    );
    expect(summary(auth)).toEqual({ subjectType: 'user', clientId: '0oaweb', scopes: ['email', 'openid'] });
  });
  it('uid present even when sub == cid means user', () => {
    expect(PROFILES.okta.subjectType({ sub: 'c', cid: 'c', uid: 'u' })).toBe('user');
  });
});

describe('entra', () => {
  const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  it('v2 app token: idtyp app, azp, roles as scopes', async () => {
    const iss = `https://login.microsoftonline.com/${tid}/v2.0`;
    const auth = await verifyAs(
      'entra',
      {
        aud: 'api://orders',
        iss,
        nbf: NOW - 5,
        aio: 'E2Z',
        azp: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
        azpacr: '1',
        idtyp: 'app',
        oid: '0f1c9b6e-sp',
        rh: '0.AAA',
        roles: ['Orders.Read.All', 'Orders.Write.All'],
        sub: '0f1c9b6e-sp',
        tid,
        uti: 'x',
        ver: '2.0',
      },
      'api://orders',
    );
    expect(summary(auth)).toEqual({
      subjectType: 'client',
      clientId: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      scopes: ['Orders.Read.All', 'Orders.Write.All'],
    });
  });
  it('v1 app token without idtyp: oid == sub and no scp; client id from appid', async () => {
    const iss = `https://sts.windows.net/${tid}/`;
    const auth = await verifyAs(
      'entra',
      {
        aud: 'api://orders',
        iss,
        appid: 'app-guid',
        appidacr: '1',
        oid: 'sp-oid',
        sub: 'sp-oid',
        roles: ['Orders.Read.All'],
        tid,
        ver: '1.0',
      },
      'api://orders',
    );
    expect(summary(auth)).toEqual({
      subjectType: 'client',
      clientId: 'app-guid',
      scopes: ['Orders.Read.All'],
    });
  });
  it('delegated (user) token: scp string', async () => {
    const iss = `https://login.microsoftonline.com/${tid}/v2.0`;
    const auth = await verifyAs(
      'entra',
      {
        aud: 'api://orders',
        iss,
        azp: 'spa-guid',
        idtyp: 'user',
        name: 'Alice',
        oid: 'user-oid',
        sub: 'pairwise-sub',
        scp: 'Orders.Read User.Read',
        tid,
        ver: '2.0',
      },
      'api://orders',
    );
    expect(summary(auth)).toEqual({
      subjectType: 'user',
      clientId: 'spa-guid',
      scopes: ['Orders.Read', 'User.Read'],
    });
  });
  it('a token with scp is a user token even when oid == sub', () => {
    expect(PROFILES.entra.subjectType({ oid: 'x', sub: 'x', scp: 'a' })).toBe('user');
  });
});

describe('keycloak', () => {
  const iss = 'https://sso.example.com/realms/acme';
  const serviceAccount = {
    iss,
    aud: 'orders-api',
    sub: '3f7c2a10-5b1e-4c6f-9d0e-8a1b2c3d4e5f',
    typ: 'Bearer',
    azp: 'nightly-data-sync',
    acr: '1',
    realm_access: { roles: ['offline_access'] },
    scope: 'profile email orders:read',
    clientHost: '10.0.0.5',
    preferred_username: 'service-account-nightly-data-sync',
    client_id: 'nightly-data-sync',
  };
  it('service account token', async () => {
    const auth = await verifyAs('keycloak', serviceAccount, 'orders-api');
    expect(auth.subject).toBe('3f7c2a10-5b1e-4c6f-9d0e-8a1b2c3d4e5f');
    expect(summary(auth)).toEqual({
      subjectType: 'client',
      clientId: 'nightly-data-sync',
      scopes: ['email', 'orders:read', 'profile'],
    });
  });
  it('older releases: clientId claim; lower-cased username of a mixed-case client', () => {
    expect(
      PROFILES.keycloak.subjectType({
        preferred_username: 'service-account-nightly-sync',
        azp: 'Nightly-Sync',
      }),
    ).toBe('client');
    expect(PROFILES.keycloak.clientId({ clientId: 'legacy' }, 'client')).toBe('legacy');
  });
  it("a user, even one named like another client's service account", () => {
    expect(PROFILES.keycloak.subjectType({ ...serviceAccount, preferred_username: 'alice' })).toBe('user');
    expect(
      PROFILES.keycloak.subjectType({
        preferred_username: 'service-account-billing',
        azp: 'web',
        client_id: undefined,
      }),
    ).toBe('user');
    expect(PROFILES.keycloak.subjectType({ preferred_username: 'service-account-x' })).toBe('user');
  });
});

describe('cognito', () => {
  const iss = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
  const m2m = {
    sub: '1example23456789',
    token_use: 'access',
    scope: 'https://api.example.com/orders.read',
    auth_time: NOW - 5,
    iss,
    version: 2,
    jti: 'j',
    client_id: '1example23456789',
  };
  it('M2M token without aud: client_id checked against the audience list', async () => {
    const auth = await verifyAs('cognito', m2m, ['1example23456789', 'other-client']);
    expect(summary(auth)).toEqual({
      subjectType: 'client',
      clientId: '1example23456789',
      scopes: ['https://api.example.com/orders.read'],
    });
  });
  it('rejects an app client that is not in the audience list', async () => {
    await expect(verifyAs('cognito', m2m, ['someone-else'])).rejects.toThrow(
      'the token audience (aud) is not accepted',
    );
  });
  it('rejects ID tokens (token_use id)', async () => {
    const error = await verifyAs(
      'cognito',
      { ...m2m, token_use: 'id', aud: '1example23456789' },
      '1example23456789',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaimInvalidError);
    expect((error as ClaimInvalidError).message).toBe('the token is not an access token (token_use)');
    expect((error as ClaimInvalidError).claim).toBe('token_use');
  });
  it('user access token has username', async () => {
    const auth = await verifyAs(
      'cognito',
      { ...m2m, sub: 'aaaa-user', username: 'alice', scope: 'openid' },
      '1example23456789',
    );
    expect(summary(auth)).toEqual({ subjectType: 'user', clientId: '1example23456789', scopes: ['openid'] });
  });
  it('the generic profile does not fall back to client_id', async () => {
    await expect(verifyAs('generic', m2m, '1example23456789')).rejects.toThrow(
      'the token has no audience (aud)',
    );
  });
});
