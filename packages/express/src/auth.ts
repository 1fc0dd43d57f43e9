/**
 * `auth()`: authenticates every request it sees and sets `req.auth`.
 */
import {
  ConfigurationError,
  checkOptionNames,
  createGuard,
  createVerifier,
  createVerifierFromEnv,
  type Verifier,
  type VerifierOptions,
} from '@scopegate/core';
import type { RequestHandler } from 'express';
import { guardInput } from './guard-input.js';
import {
  AUTH_OPTION_NAMES,
  BESIDE_VERIFIER_OPTION_NAMES,
  type ExpressAdapterOptions,
  type ExpressAuthOptions,
} from './options.js';
import { reject, setHeaders } from './respond.js';
import { type AuthState, setAuthState } from './state.js';
import { whenReady } from './when-ready.js';

/**
 * Express middleware that verifies the bearer token of every request (RFC
 * 6750: `Authorization` header, or the `access_token` query / form
 * parameter), applies the per-client rate limit, and sets `req.auth` to the
 * `VerifiedToken`.
 *
 * The verifier comes from, in order: `options.verifier`; the verifier
 * options (`issuer`, `audience`, key source, ...); else the environment
 * (`SCOPEGATE_ISSUER`, `SCOPEGATE_AUDIENCE`, optional `SCOPEGATE_JWKS_URI`),
 * with any verifier options given overriding it.
 *
 * Rejections follow the contract's error table (400 / 401 / 429 / 503),
 * answered by the middleware or passed to `next(err)` per `errorHandling`.
 * Works on Express 4 and 5: the async work always ends in exactly one
 * `next()` or response, never an unhandled rejection.
 *
 * @param options - see {@link ExpressAuthOptions}; default: everything from the environment.
 * @throws ConfigurationError synchronously (at app setup) for an invalid or missing configuration,
 *   an unknown option name, or a verifier option given beside `verifier`.
 */
export function auth(options: ExpressAuthOptions = {}): RequestHandler {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('auth(): options must be an object');
  }
  checkOptionNames(options, AUTH_OPTION_NAMES, 'auth()');
  // Flattened view of the union: each member only forbids keys of the others, so this is what can be present.
  const flat: ExpressAdapterOptions & Partial<VerifierOptions> & { verifier?: Verifier } = options;
  const {
    rateLimit,
    authRequired = true,
    errorHandling = 'respond',
    verifier: given,
    ...verifierOptions
  } = flat;
  if (typeof authRequired !== 'boolean') {
    throw new ConfigurationError('auth(): authRequired must be true or false');
  }
  if (errorHandling !== 'respond' && errorHandling !== 'next') {
    throw new ConfigurationError("auth(): errorHandling must be 'respond' or 'next'");
  }
  if (given !== undefined) {
    // A verifier is already configured: these would be ignored, which is never what was meant.
    // (An unset option, `undefined`, is no mistake.)
    const ignored = Object.entries(verifierOptions)
      .filter(([key, value]) => value !== undefined && !BESIDE_VERIFIER_OPTION_NAMES.includes(key))
      .map(([key]) => key);
    if (ignored.length > 0) {
      throw new ConfigurationError(
        `auth(): pass either \`verifier\` or verifier options, not both (got ${ignored.join(', ')}); ` +
          'give those to createVerifier() instead',
      );
    }
  }
  const verifier = given ?? makeVerifier(verifierOptions);
  const guard = createGuard({
    verifier,
    // The guard applies scope matching and reports rate-limit events; it cannot read them back from a verifier.
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(verifierOptions.scopeMatch === undefined ? {} : { scopeMatch: verifierOptions.scopeMatch }),
    ...(verifierOptions.onEvent === undefined ? {} : { onEvent: verifierOptions.onEvent }),
  });
  const state: AuthState = { guard, errorHandling };

  return function scopegateAuth(req, res, next) {
    whenReady(
      res,
      next,
      () => guard.authenticateNow(guardInput(req)),
      (result, done) => {
        if (result.ok) {
          setHeaders(res, result.headers);
          req.auth = result.auth;
          setAuthState(req, state);
          done();
          return;
        }
        // No token at all (not a bad one) may pass anonymously; later require* answer 401 from the state.
        if (!authRequired && result.error.code === 'unauthorized') {
          setAuthState(req, state);
          done();
          return;
        }
        reject(res, done, result, errorHandling);
      },
    );
  };
}

function makeVerifier(options: Partial<VerifierOptions>): Verifier {
  if (options.issuer !== undefined || options.audience !== undefined) {
    // createVerifier validates (and names what is missing).
    return createVerifier(options as VerifierOptions);
  }
  return createVerifierFromEnv(process.env, options);
}
