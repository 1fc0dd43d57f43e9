/**
 * The gateway's configuration, from environment variables only:
 *
 *   SCOPEGATE_ISSUER      required  issuer URL; keys are found by discovery
 *   SCOPEGATE_AUDIENCE    required  the audience the upstream API is known by
 *   SCOPEGATE_ADMIN_URL   optional  Hydra-style admin API for per-client limits
 *   SCOPEGATE_DEFAULT_RATE_LIMIT optional  requests/minute for clients without metadata
 *   SCOPEGATE_JWKS_COOLDOWN_MS   optional  least time between JWKS refetches for an unknown
 *                                   `kid` (scopegate's default: 30000)
 *   UPSTREAM_URL          optional  the unprotected service behind the gateway;
 *                                   default: start the bundled tiny upstream on an ephemeral port
 *   PORT                  optional  default 3003 (0 = ephemeral)
 *   HOST                  optional  default 127.0.0.1
 */
export function configFromEnv(env = process.env) {
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
    upstreamUrl: env.UPSTREAM_URL || undefined,
    port: Number(env.PORT ?? 3003),
    host: env.HOST ?? '127.0.0.1',
  };
}
