/**
 * @scopegate/fastify: a Fastify 5 plugin that verifies OAuth 2.0 JWT bearer
 * tokens, enforces route scopes and per-client rate limits, and answers with
 * the scopegate contract's statuses, headers and JSON bodies.
 */
import './augment.js';
import { scopegate } from './plugin.js';

export type {
  ScopegateCommonOptions,
  ScopegateExistingVerifierOptions,
  ScopegateOptions,
  ScopegateVerifierOptions,
} from './options.js';
export type { ScopegateDecoration, ScopegateHook } from './plugin.js';
export type { ScopegateRouteConfig } from './route-auth.js';
export { scopegate };
export default scopegate;
