/**
 * The nightly data-sync worker: a machine client that calls the data APIs with
 * a client_credentials token from @scopegate/client. The token client caches
 * the token until shortly before it expires, so a whole run costs one token
 * request however many API calls it makes; `client.fetch` adds the bearer
 * token and retries once with a fresh token if an API answers 401
 * `invalid_token` (e.g. after a key rotation the API has not seen yet).
 */
import { createTokenClient } from '@scopegate/client';

/** The calls one sync round makes against one API. */
export const SYNC_CALLS = [
  { method: 'GET', path: '/data' },
  { method: 'POST', path: '/data', body: (round) => ({ value: `nightly batch ${round}` }) },
  { method: 'POST', path: '/sync' },
];

/**
 * A `fetch` that counts the requests it sends to the authorization server
 * (token endpoint and discovery), so the worker can report tokens requested
 * versus API calls made.
 */
function countingFetch(issuer, counters) {
  const origin = new URL(issuer).origin;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    if (url.origin === origin) {
      if (method === 'POST') counters.tokenRequests += 1;
      else counters.discoveryRequests += 1;
    }
    return fetch(input, init);
  };
}

/**
 * Creates the worker's token client.
 * @param {{ issuer: string, clientId: string, clientSecret: string, scope?: string, resource?: string,
 *           authMethod?: 'client_secret_basic'|'client_secret_post' }} options
 */
export function createWorkerClient(options) {
  const counters = { tokenRequests: 0, discoveryRequests: 0 };
  const client = createTokenClient({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope ?? 'data:read data:write',
    resource: options.resource,
    authMethod: options.authMethod,
    fetch: countingFetch(options.issuer, counters),
  });
  return { client, counters };
}

/**
 * Runs `rounds` sync rounds against every API.
 * @param {{ client: object, counters: object }} worker from {@link createWorkerClient}
 * @param {{ apis: { name: string, url: string }[], rounds?: number, log?: (line: string) => void }} options
 * @returns {Promise<{ tokensRequested: number, calls: number, results: { api: string, method: string, path: string, status: number }[] }>}
 */
export async function runSync(worker, { apis, rounds = 1, log = () => {} }) {
  const startTokens = worker.counters.tokenRequests;
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    for (const api of apis) {
      for (const call of SYNC_CALLS) {
        const body = call.body ? JSON.stringify(call.body(round)) : undefined;
        const response = await worker.client.fetch(`${api.url}${call.path}`, {
          method: call.method,
          headers: body ? { 'content-type': 'application/json' } : undefined,
          body,
        });
        await response.arrayBuffer();
        results.push({ api: api.name, method: call.method, path: call.path, status: response.status });
        log(
          `round ${round}  ${api.name.padEnd(8)} ${call.method.padEnd(4)} ${call.path.padEnd(6)} ${response.status}`,
        );
      }
    }
  }
  return { tokensRequested: worker.counters.tokenRequests - startTokens, calls: results.length, results };
}
