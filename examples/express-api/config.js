import { scopegateConfigFromEnv } from '../shared/scopegate-env.js';

/**
 * The API's whole configuration, read from environment variables only: the
 * scopegate variables listed in ../shared/scopegate-env.js, with PORT
 * defaulting to 3001.
 */
export function configFromEnv(env = process.env) {
  return scopegateConfigFromEnv(env, 3001);
}
