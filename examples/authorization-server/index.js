/**
 * A real OAuth 2.0 authorization server for the scopegate examples, built on
 * oidc-provider (the certified Node.js OpenID Provider). It issues RFC 9068
 * JWT access tokens through the client_credentials grant for the resources in
 * clients.js, and adds what a production AS offers next to that:
 *
 * - an admin API in the shape of Ory Hydra's (`GET /admin/clients/{id}` with
 *   the client's `metadata`) on a separate loopback port, which the APIs use
 *   for per-client rate limits;
 * - key rotation without restarting anything (`rotateKeys()`): the new key
 *   signs, the previous keys stay published so tokens already out still verify;
 * - RFC 7662 introspection for its JWT access tokens (see introspection.js for
 *   why oidc-provider's own endpoint cannot do this);
 * - a development-only way to mint a *user* access token (see dev-user-token.js).
 */
import http from 'node:http';
import { createAdminHandler } from './admin-api.js';
import {
  API_AUDIENCE,
  DEFAULT_ACCESS_TOKEN_TTL,
  DEMO_CLIENTS,
  OTHER_AUDIENCE,
  RESOURCES,
} from './clients.js';
import { mintUserToken } from './dev-user-token.js';
import { createIntrospectionHandler, INTROSPECTION_PATH } from './introspection.js';
import { generateSigningKey, publicJwk, SIGNING_ALG } from './keys.js';
import { errors, Provider } from './load-oidc-provider.js';
import { createMemoryAdapterFactory } from './memory-adapter.js';

export { API_AUDIENCE, DEMO_CLIENTS, OTHER_AUDIENCE, RESOURCES } from './clients.js';

/** Listens on `port` (0 = ephemeral) and resolves the bound port. */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets would hold close() open until they time out.
    server.closeAllConnections();
  });
}

/** oidc-provider client record for one of our client definitions. */
function toProviderClient(client) {
  return {
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  };
}

function buildProvider({ issuer, clients, keys, Adapter, cookieKeys, onTokenIssued, log }) {
  const provider = new Provider(issuer, {
    adapter: Adapter,
    clients: clients.map(toProviderClient),
    jwks: { keys },
    cookies: { keys: cookieKeys },
    clientDefaults: { id_token_signed_response_alg: SIGNING_ALG },
    // Every scope some resource offers; a client may only request its own `scope`.
    scopes: [...new Set(Object.values(RESOURCES).flatMap((r) => r.scope.split(' ')))],
    // The APIs' limits are client metadata, stored with the client record as Hydra does.
    extraClientMetadata: {
      properties: ['metadata'],
      validator(_ctx, key, value) {
        if (key === 'metadata' && value !== undefined && (typeof value !== 'object' || value === null)) {
          throw new errors.InvalidClientMetadata('metadata must be a JSON object');
        }
      },
    },
    // Lifetime comes from the resource server info (per client, see getResourceServerInfo).
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_TTL,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_TTL,
    },
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // A token request without `resource` is for the data API.
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? API_AUDIENCE,
        getResourceServerInfo(_ctx, resourceIndicator, client) {
          const resource = RESOURCES[resourceIndicator];
          if (!resource) throw new errors.InvalidTarget();
          const ttl = client.metadata?.access_token_ttl_seconds ?? DEFAULT_ACCESS_TOKEN_TTL;
          return {
            scope: resource.scope,
            audience: resourceIndicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttl,
            jwt: { sign: { alg: SIGNING_ALG } },
          };
        },
      },
    },
  });
  provider.on('grant.success', (ctx) => onTokenIssued(ctx.oidc.client?.clientId));
  provider.on('server_error', (_ctx, error) => log(`authorization server error: ${error.message}`));
  return provider;
}

/**
 * Starts the authorization server and its admin API on loopback.
 *
 * @param {object} [options]
 * @param {number} [options.port=0] public port (issuer, token, JWKS); 0 = ephemeral
 * @param {number} [options.adminPort=0] admin API port; 0 = ephemeral
 * @param {string} [options.host='127.0.0.1'] interface for both servers
 * @param {object[]} [options.clients=DEMO_CLIENTS] client records (see clients.js)
 * @param {(line: string) => void} [options.log] receives one line per notable event; default silent
 */
export async function startAuthorizationServer(options = {}) {
  const { port = 0, adminPort = 0, host = '127.0.0.1', clients = DEMO_CLIENTS, log = () => {} } = options;

  const Adapter = createMemoryAdapterFactory();
  const cookieKeys = [crypto.randomUUID()];
  /** Private signing keys, newest (the one that signs) first. */
  let keys = [await generateSigningKey()];
  const tokenCounts = new Map();
  const onTokenIssued = (clientId) => {
    if (clientId) tokenCounts.set(clientId, (tokenCounts.get(clientId) ?? 0) + 1);
  };

  let provider;
  let providerCallback;
  const publicServer = http.createServer((req, res) => {
    if (req.url === INTROSPECTION_PATH || req.url?.startsWith(`${INTROSPECTION_PATH}?`)) {
      introspect(req, res);
      return;
    }
    providerCallback(req, res);
  });
  const boundPort = await listen(publicServer, port, host);
  const issuer = `http://${host}:${boundPort}`;

  const install = () => {
    provider = buildProvider({ issuer, clients, keys, Adapter, cookieKeys, onTokenIssued, log });
    providerCallback = provider.callback();
  };
  install();

  const publicKeys = () => keys.map(publicJwk);
  const introspect = createIntrospectionHandler({ issuer, clients, publicKeys });

  const handle = {
    issuer,
    /** Same as `issuer`: the public base URL. */
    url: issuer,
    adminUrl: '',
    tokenUrl: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    /** oidc-provider's own RFC 7662 endpoint (opaque tokens only). */
    providerIntrospectionUrl: `${issuer}/token/introspection`,
    /** RFC 7662 introspection for this server's JWT access tokens. */
    introspectionUrl: `${issuer}${INTROSPECTION_PATH}`,
    audience: API_AUDIENCE,
    otherAudience: OTHER_AUDIENCE,
    clients,
    /** `kid` of the key that signs new tokens. */
    get currentKid() {
      return keys[0].kid;
    },
    /** `kid`s published at the JWKS endpoint, newest first. */
    get publishedKids() {
      return keys.map((k) => k.kid);
    },
    /** Successful token responses, for one client or in total. */
    tokenRequestCount(clientId) {
      if (clientId !== undefined) return tokenCounts.get(clientId) ?? 0;
      let total = 0;
      for (const n of tokenCounts.values()) total += n;
      return total;
    },
    /**
     * Generates a new signing key and re-creates the provider with it in front
     * of the previous ones (which stay published). The listening socket, the
     * issuer URL and stored state are unchanged, so no client or API restarts.
     * @param {{ keep?: number }} [opts] how many keys stay published, newest first (default 2)
     */
    async rotateKeys({ keep = 2 } = {}) {
      const previousKid = keys[0].kid;
      keys = [await generateSigningKey(), ...keys].slice(0, Math.max(1, keep));
      install();
      log(`keys rotated: ${previousKid} -> ${keys[0].kid}`);
      return { kid: keys[0].kid, previousKid };
    },
    /**
     * DEVELOPMENT ONLY. Mints a user access token with the provider's own
     * AccessToken model (the token an authorization_code flow would yield).
     */
    mintUserToken(params) {
      return mintUserToken(provider, params);
    },
    async close() {
      await Promise.all([closeServer(publicServer), closeServer(adminServer)]);
    },
  };

  const adminServer = http.createServer(
    createAdminHandler({ getProvider: () => provider, clients, handle, log }),
  );
  const boundAdminPort = await listen(adminServer, adminPort, host);
  handle.adminUrl = `http://${host}:${boundAdminPort}`;

  log(`authorization server: issuer ${issuer}, admin API ${handle.adminUrl}`);
  return handle;
}
