/**
 * The environment variables every example service (both APIs and the gateway)
 * reads to configure scopegate. Each example's config.js adds its own.
 *
 *   SCOPEGATE_ISSUER      required  issuer URL; keys are found by discovery
 *   SCOPEGATE_AUDIENCE    required  the API's identifier (the tokens' `aud`)
 *   SCOPEGATE_ADMIN_URL   optional  Hydra-style admin API with per-client
 *                                   `metadata.rate_limit_per_minute`; no limits without it
 *   SCOPEGATE_DEFAULT_RATE_LIMIT optional  requests/minute for clients without metadata
 *   SCOPEGATE_JWKS_COOLDOWN_MS   optional  least time between JWKS refetches for an unknown
 *                                   `kid` (scopegate's default: 30000)
 *   PORT                  optional  the service's default port (0 = ephemeral)
 *   HOST                  optional  default 127.0.0.1
 */
export function scopegateConfigFromEnv(env, defaultPort) {
  const missing = ['SCOPEGATE_ISSUER', 'SCOPEGATE_AUDIENCE'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`missing environment variable(s): ${missing.join(', ')}`);
  }
  const defaultPerMinute =
    env.SCOPEGATE_DEFAULT_RATE_LIMIT === undefined ? undefined : Number(env.SCOPEGATE_DEFAULT_RATE_LIMIT);
  const cooldown = env.SCOPEGATE_JWKS_COOLDOWN_MS;
  return {
    issuer: env.SCOPEGATE_ISSUER,
    audience: env.SCOPEGATE_AUDIENCE,
    adminUrl: env.SCOPEGATE_ADMIN_URL || undefined,
    defaultPerMinute,
    verifier: cooldown === undefined ? undefined : { jwksCache: { cooldownMs: Number(cooldown) } },
    port: Number(env.PORT ?? defaultPort),
    host: env.HOST ?? '127.0.0.1',
  };
}
