/**
 * The guard that `require*` middleware uses when no `auth()` ran before it:
 * configured from `SCOPEGATE_ISSUER`, `SCOPEGATE_AUDIENCE` and (optional)
 * `SCOPEGATE_JWKS_URI` by core's `createVerifierFromEnv`.
 *
 * Created on first use and cached for the module's lifetime. The cache is
 * keyed by those variables' values, so an app (or a test) that sets them
 * after importing this package is picked up, while a steady configuration
 * costs one string comparison per request. A missing or invalid
 * configuration is remembered too: it fails closed (500 "server
 * misconfigured") and is logged once, not once per request.
 */
import { ConfigurationError, createGuard, createVerifierFromEnv, type Guard } from '@scopegate/core';

const ENV_KEYS = ['SCOPEGATE_ISSUER', 'SCOPEGATE_AUDIENCE', 'SCOPEGATE_JWKS_URI'] as const;

/** The environment guard, or the configuration error that prevents it. */
export type EnvGuard = { readonly guard: Guard } | { readonly error: ConfigurationError };

let cached: { key: string; value: EnvGuard } | undefined;

function environmentKey(): string {
  return ENV_KEYS.map((name) => process.env[name] ?? '\u0000').join('\u0001');
}

/** Returns the cached environment guard, creating it (or recording why it cannot be) when the variables changed. */
export function environmentGuard(): EnvGuard {
  const key = environmentKey();
  if (cached?.key === key) return cached.value;
  let value: EnvGuard;
  try {
    value = { guard: createGuard({ verifier: createVerifierFromEnv(process.env) }) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    value = { error: error instanceof ConfigurationError ? error : new ConfigurationError(detail) };
    // Logged once per configuration. Core's messages name variables, never secrets or tokens.
    console.error(
      `[scopegate] requireScopes/requireAnyScope/requireSubjectType found no auth() before it and cannot configure itself from the environment: ${detail}. ` +
        'Set SCOPEGATE_ISSUER and SCOPEGATE_AUDIENCE (optionally SCOPEGATE_JWKS_URI), or install auth({ issuer, audience }) first. ' +
        'Until then every such request is answered 500 "server misconfigured".',
    );
  }
  const previous = cached?.value;
  cached = { key, value };
  // The previous guard (if any) owns timers or stores; release them.
  if (previous && 'guard' in previous) void Promise.resolve(previous.guard.close()).catch(() => undefined);
  return value;
}
