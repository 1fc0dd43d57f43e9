import { scopegateConfigFromEnv } from '../shared/scopegate-env.js';

/**
 * The gateway's configuration, from environment variables only: the scopegate
 * variables listed in ../shared/scopegate-env.js (SCOPEGATE_AUDIENCE is the
 * audience the upstream API is known by; PORT defaults to 3003), plus
 *
 *   UPSTREAM_URL  optional  the unprotected service behind the gateway;
 *                           default: start the bundled tiny upstream on an ephemeral port
 */
export function configFromEnv(env = process.env) {
  return { ...scopegateConfigFromEnv(env, 3003), upstreamUrl: env.UPSTREAM_URL || undefined };
}
