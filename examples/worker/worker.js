#!/usr/bin/env node
/**
 * Runs the nightly data-sync worker alone. Environment:
 *   SCOPEGATE_ISSUER       required  the authorization server (token endpoint by discovery)
 *   API_URLS               required  comma-separated base URLs of the data APIs
 *   SCOPEGATE_AUDIENCE     optional  resource indicator sent with the token request
 *   WORKER_CLIENT_ID       optional  default nightly-data-sync
 *   WORKER_CLIENT_SECRET   optional  default the example AS's development secret
 *   WORKER_ROUNDS          optional  default 3
 */
import { createWorkerClient, runSync } from './index.js';

const env = process.env;
if (!env.SCOPEGATE_ISSUER || !env.API_URLS) {
  console.error('worker: set SCOPEGATE_ISSUER and API_URLS');
  process.exit(2);
}
const apis = env.API_URLS.split(',')
  .map((u) => u.trim())
  .filter(Boolean)
  .map((url) => ({ name: new URL(url).host, url: url.replace(/\/+$/, '') }));

const worker = createWorkerClient({
  issuer: env.SCOPEGATE_ISSUER,
  clientId: env.WORKER_CLIENT_ID ?? 'nightly-data-sync',
  clientSecret: env.WORKER_CLIENT_SECRET ?? 'nightly-data-sync-dev-secret',
  resource: env.SCOPEGATE_AUDIENCE,
});
const summary = await runSync(worker, {
  apis,
  rounds: Number(env.WORKER_ROUNDS ?? 3),
  log: (line) => console.log(line),
});
const failed = summary.results.filter((r) => r.status >= 400);
console.log(
  `tokens requested: ${summary.tokensRequested}   API calls made: ${summary.calls}   failed: ${failed.length}`,
);
process.exit(failed.length === 0 ? 0 : 1);
