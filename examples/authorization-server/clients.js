/**
 * The resource this authorization server issues JWT access tokens for (RFC 8707
 * resource indicator; it becomes the `aud` claim). Both example APIs and the
 * gateway accept tokens for it.
 */
export const API_AUDIENCE = 'https://api.example.test';

/** A second, unrelated resource: its tokens must be refused by the data API. */
export const OTHER_AUDIENCE = 'https://billing.example.test';

/** Resource servers known to the authorization server, with the scopes each offers. */
export const RESOURCES = {
  [API_AUDIENCE]: { scope: 'data:read data:write reports:read' },
  [OTHER_AUDIENCE]: { scope: 'data:read billing:read' },
};

/** Access-token lifetime when a client's metadata does not set one, in seconds. */
export const DEFAULT_ACCESS_TOKEN_TTL = 300;

/**
 * Development clients. Secrets are fixed so the demo can run anywhere; this is
 * an example, never use such secrets for anything real.
 *
 * `metadata` mirrors Ory Hydra's free-form client metadata: the APIs read
 * `rate_limit_per_minute` from the admin API, so limits live with the client
 * record here and not as constants in the APIs.
 */
export const DEMO_CLIENTS = [
  {
    client_id: 'nightly-data-sync',
    client_secret: 'nightly-data-sync-dev-secret',
    scope: 'data:read data:write',
    metadata: { rate_limit_per_minute: 600, owner: 'data-platform' },
  },
  {
    client_id: 'reporting',
    client_secret: 'reporting-dev-secret',
    scope: 'data:read reports:read',
    metadata: { rate_limit_per_minute: 120, owner: 'finance' },
  },
  {
    client_id: 'tiny-quota',
    client_secret: 'tiny-quota-dev-secret',
    scope: 'data:read',
    metadata: { rate_limit_per_minute: 3, owner: 'trial' },
  },
  {
    // Tokens live one second, so expiry can be shown with a real token.
    client_id: 'short-lived',
    client_secret: 'short-lived-dev-secret',
    scope: 'data:read',
    metadata: { rate_limit_per_minute: 60, access_token_ttl_seconds: 1 },
  },
  {
    // Characters that RFC 6749 section 2.3.1 form-encoding must survive in Basic auth
    // (client secrets are VSCHAR, printable ASCII and space: RFC 6749 appendix A.2).
    client_id: 'legacy-exporter',
    client_secret: 'p@ss:w%rd/ +=&?"~',
    scope: 'data:read',
    metadata: { rate_limit_per_minute: 60 },
  },
  {
    // A browser application acting for people; its tokens have a user `sub`.
    client_id: 'dashboard',
    client_secret: 'dashboard-dev-secret',
    scope: 'data:read data:write',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    metadata: {},
  },
];
