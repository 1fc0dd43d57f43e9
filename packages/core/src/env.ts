/**
 * A verifier configured from environment variables, for adapters used
 * without explicit options (`app.use(requireScopes('data:read'))`).
 *
 * - `SCOPEGATE_ISSUER` (required): issuer, or a comma-separated list;
 * - `SCOPEGATE_AUDIENCE` (required): audience, or a comma-separated list;
 * - `SCOPEGATE_JWKS_URI` (optional): JWKS URL; default: discovered from the issuer.
 */
import { ConfigurationError } from './errors.js';
import type { SyncVerifier, VerifierOptions } from './types.js';
import { createVerifier } from './verifier.js';

/** Environment variable names read by {@link createVerifierFromEnv}. */
export const ENV_VARIABLES = Object.freeze({
  issuer: 'SCOPEGATE_ISSUER',
  audience: 'SCOPEGATE_AUDIENCE',
  jwksUri: 'SCOPEGATE_JWKS_URI',
} as const);

function list(value: string | undefined): string | string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) return undefined;
  return items.length === 1 ? (items[0] as string) : items;
}

/**
 * Creates a verifier from `SCOPEGATE_ISSUER`, `SCOPEGATE_AUDIENCE` and the
 * optional `SCOPEGATE_JWKS_URI`. `overrides` win over the environment; when
 * they give a key source (`jwks`, `secret`, `keySource` or `jwksUri`),
 * `SCOPEGATE_JWKS_URI` is ignored.
 *
 * @param env - variables to read; default `process.env`.
 * @param overrides - further options (e.g. `profile`, `onEvent`).
 * @throws ConfigurationError naming the missing variables when issuer or
 *   audience is configured neither here nor in `overrides`; and for any
 *   invalid option (see `createVerifier`).
 */
export function createVerifierFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<VerifierOptions> = {},
): SyncVerifier {
  const issuer = overrides.issuer ?? list(env[ENV_VARIABLES.issuer]);
  const audience = overrides.audience ?? list(env[ENV_VARIABLES.audience]);
  const missing: string[] = [];
  if (issuer === undefined) missing.push(ENV_VARIABLES.issuer);
  if (audience === undefined) missing.push(ENV_VARIABLES.audience);
  if (issuer === undefined || audience === undefined)
    throw new ConfigurationError(
      `scopegate is not configured: set ${missing.join(' and ')} (or pass issuer and audience options)`,
    );
  const hasKeySource =
    overrides.jwksUri !== undefined ||
    overrides.jwks !== undefined ||
    overrides.secret !== undefined ||
    overrides.keySource !== undefined;
  const jwksUri = env[ENV_VARIABLES.jwksUri]?.trim();
  return createVerifier({
    ...(hasKeySource || !jwksUri ? {} : { jwksUri }),
    ...overrides,
    issuer,
    audience,
  });
}
