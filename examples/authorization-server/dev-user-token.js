/**
 * DEVELOPMENT ONLY: mints an access token for a *person*, as the
 * authorization_code flow would after a login and consent, without the
 * browser round-trip. The token is made by oidc-provider's own AccessToken
 * model and signed with the server's current key, so it is exactly what a
 * resource server would receive for a user: `sub` is the user id, `client_id`
 * the browser app, no client_credentials markers.
 *
 * The demo uses it to show that `POST /sync` (machines only) refuses people.
 * A real deployment has no such endpoint.
 */
import { API_AUDIENCE, DEFAULT_ACCESS_TOKEN_TTL, RESOURCES } from './clients.js';
import { SIGNING_ALG } from './keys.js';

/**
 * @param {object} provider the current oidc-provider instance
 * @param {object} params
 * @param {string} [params.sub='user-alice'] the user id
 * @param {string} [params.clientId='dashboard'] the (authorization_code) client the user signed in to
 * @param {string} [params.scope='data:read'] granted scopes
 * @param {string} [params.resource=API_AUDIENCE] the audience
 */
export async function mintUserToken(provider, params = {}) {
  const { sub = 'user-alice', clientId = 'dashboard', scope = 'data:read', resource = API_AUDIENCE } = params;
  if (typeof sub !== 'string' || sub.length === 0) throw new Error('sub must be a non-empty string');

  const client = await provider.Client.find(clientId);
  if (!client) throw new Error('unknown client');
  // RFC 9068 section 5: a user's `sub` must never collide with a client id.
  if (await provider.Client.find(sub)) throw new Error('sub collides with a client id');
  if (!client.grantTypes.includes('authorization_code')) {
    throw new Error('user tokens are only minted for authorization_code clients');
  }
  const resourceInfo = RESOURCES[resource];
  if (!resourceInfo) throw new Error('unknown resource');

  const allowed = new Set(client.scope?.split(' ') ?? []);
  const offered = new Set(resourceInfo.scope.split(' '));
  const granted = String(scope)
    .split(' ')
    .filter((s) => s && allowed.has(s) && offered.has(s));

  const token = new provider.AccessToken({
    accountId: sub,
    client,
    gty: 'authorization_code',
    grantId: `dev-${crypto.randomUUID()}`,
    scope: granted.join(' ') || undefined,
    // The same resource server description the token endpoint resolves.
    resourceServer: {
      audience: resource,
      scope: resourceInfo.scope,
      accessTokenFormat: 'jwt',
      accessTokenTTL: DEFAULT_ACCESS_TOKEN_TTL,
      jwt: { sign: { alg: SIGNING_ALG } },
      identifier: () => resource,
    },
  });
  const accessToken = await token.save();
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: token.expiration,
    scope: granted.join(' '),
  };
}
