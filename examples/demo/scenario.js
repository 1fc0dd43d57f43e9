/**
 * The demo scenario as data: each step does something real over HTTP against
 * the running stack, states what it expected, and reports what it observed.
 * `run.js` narrates it; the end-to-end tests in test/ run the same steps and
 * assert on them.
 *
 * A step's `run(ctx)` resolves `{ rows, notes, failures }`: `rows` are table
 * rows for the narration, `notes` one-line facts, `failures` what did not
 * behave as expected (empty = the step passed).
 */
import { createWorkerClient, runSync } from '@scopegate/example-worker';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { clientCredentialsToken, request } from './http.js';

/** Clock tolerance the APIs apply to `exp` (scopegate's default), in seconds. */
const CLOCK_TOLERANCE_SEC = 5;

/** Collects expectation failures for one step. */
function checker() {
  const failures = [];
  return {
    failures,
    /** Records `message` when `condition` is false; returns the condition. */
    expect(condition, message) {
      if (!condition) failures.push(message);
      return Boolean(condition);
    },
  };
}

function describeError(response) {
  const body = response.body && typeof response.body === 'object' ? response.body : {};
  return body.error ? String(body.error) : '';
}

/**
 * Prepares what later steps need and must happen early: the short-lived token
 * (1 s) is obtained and used now, so the "expired" step can show the same
 * token refused once it has run out.
 */
export async function prepareScenario(stack) {
  const ctx = { ...stack, observed: {} };
  ctx.worker = createWorkerClient({
    issuer: stack.as.issuer,
    clientId: 'nightly-data-sync',
    clientSecret: secretOf(stack.as, 'nightly-data-sync'),
    scope: 'data:read data:write',
    resource: stack.as.audience,
  });
  const shortLived = await clientCredentialsToken(stack.as, 'short-lived', { scope: 'data:read' });
  ctx.shortLived = {
    token: shortLived.access_token,
    exp: decodeJwt(shortLived.access_token).exp,
    freshStatuses: await Promise.all(
      stack.apis.map(
        async (api) => (await request(`${api.url}/data`, { token: shortLived.access_token })).status,
      ),
    ),
  };
  return ctx;
}

function secretOf(as, clientId) {
  return as.clients.find((c) => c.client_id === clientId).client_secret;
}

/** The scenario steps, in order. */
export const steps = [
  {
    id: 'token-reuse',
    title: 'Worker obtains one token and reuses it',
    expected: '1 token request for every API call of the run',
    async run(ctx) {
      const { expect, failures } = checker();
      const before = ctx.as.tokenRequestCount('nightly-data-sync');
      const summary = await runSync(ctx.worker, { apis: ctx.apis, rounds: 2 });
      const atServer = ctx.as.tokenRequestCount('nightly-data-sync') - before;
      ctx.observed.sync = summary;
      expect(summary.tokensRequested === 1, `worker requested ${summary.tokensRequested} tokens, expected 1`);
      expect(atServer === 1, `authorization server issued ${atServer} tokens, expected 1`);
      expect(summary.calls === ctx.apis.length * 6, `made ${summary.calls} calls`);
      return {
        rows: [
          ['tokens requested', String(summary.tokensRequested)],
          ['tokens issued by the AS', String(atServer)],
          ['API calls made', String(summary.calls)],
        ],
        notes: [],
        failures,
      };
    },
  },
  {
    id: 'reads-writes',
    title: 'Reads and writes allowed (data:read, data:write)',
    expected: 'GET /data 200, POST /data 201, POST /sync 200 on every API',
    async run(ctx) {
      const { expect, failures } = checker();
      const expectedStatus = { 'GET /data': 200, 'POST /data': 201, 'POST /sync': 200 };
      const rows = [];
      const results = ctx.observed.sync?.results ?? [];
      expect(results.length > 0, 'the worker run produced no results');
      for (const api of ctx.apis) {
        const row = [api.name];
        for (const [call, status] of Object.entries(expectedStatus)) {
          const seen = results.filter((r) => r.api === api.name && `${r.method} ${r.path}` === call);
          const statuses = [...new Set(seen.map((r) => r.status))];
          row.push(`${call} ${statuses.join('/') || '-'}`);
          expect(
            seen.length > 0 && statuses.length === 1 && statuses[0] === status,
            `${api.name} ${call}: got ${statuses.join('/') || 'nothing'}, expected ${status}`,
          );
        }
        rows.push(row);
      }
      return { rows, notes: [], failures };
    },
  },
  {
    id: 'read-only-refused',
    title: 'Read-only client refused on POST /data',
    expected: 'reporting: GET /data 200, POST /data 403 insufficient_scope',
    async run(ctx) {
      const { expect, failures } = checker();
      const { access_token: token } = await clientCredentialsToken(ctx.as, 'reporting', {
        scope: 'data:read reports:read',
      });
      const rows = [];
      for (const api of ctx.apis) {
        const read = await request(`${api.url}/data`, { token });
        const write = await request(`${api.url}/data`, { method: 'POST', token, body: { value: 'nope' } });
        rows.push([
          api.name,
          `GET ${read.status}`,
          `POST ${write.status} ${describeError(write)}`,
          write.wwwAuthenticate ?? '',
        ]);
        expect(read.status === 200, `${api.name} GET /data: ${read.status}, expected 200`);
        expect(write.status === 403, `${api.name} POST /data: ${write.status}, expected 403`);
        expect(describeError(write) === 'insufficient_scope', `${api.name}: error ${describeError(write)}`);
        expect(
          write.wwwAuthenticate?.includes('error="insufficient_scope"') &&
            write.wwwAuthenticate.includes('scope="data:write"'),
          `${api.name}: WWW-Authenticate ${write.wwwAuthenticate}`,
        );
      }
      return { rows, notes: [], failures };
    },
  },
  {
    id: 'user-refused-sync',
    title: 'User token refused on the machines-only POST /sync',
    expected: 'user-alice: GET /data 200, POST /sync 403',
    async run(ctx) {
      const { expect, failures } = checker();
      // DEVELOPMENT-ONLY endpoint of the example AS (see authorization-server/dev-user-token.js).
      const minted = await request(`${ctx.as.adminUrl}/dev/user-tokens`, {
        method: 'POST',
        body: { sub: 'user-alice', client_id: 'dashboard', scope: 'data:read' },
      });
      expect(minted.status === 200, `minting a user token: ${minted.status}`);
      const token = minted.body?.access_token;
      const rows = [];
      for (const api of ctx.apis) {
        const read = await request(`${api.url}/data`, { token });
        const sync = await request(`${api.url}/sync`, { method: 'POST', token });
        rows.push([
          api.name,
          `GET ${read.status}`,
          `POST /sync ${sync.status} ${describeError(sync)}`,
          sync.body?.error_description ?? '',
        ]);
        expect(read.status === 200, `${api.name} GET /data: ${read.status}, expected 200`);
        expect(sync.status === 403, `${api.name} POST /sync: ${sync.status}, expected 403`);
        expect(describeError(sync) === 'insufficient_scope', `${api.name}: error ${describeError(sync)}`);
      }
      return { rows, notes: ['sub=user-alice, client_id=dashboard: a person, not a machine'], failures };
    },
  },
  {
    id: 'rate-limit',
    title: 'Client past its limit gets 429 with Retry-After',
    expected: 'tiny-quota (3/min at the AS): 200 200 200 429',
    async run(ctx) {
      const { expect, failures } = checker();
      const limit = (await request(`${ctx.as.adminUrl}/admin/clients/tiny-quota`)).body?.metadata
        ?.rate_limit_per_minute;
      expect(limit === 3, `AS admin API reports rate_limit_per_minute ${limit}, expected 3`);
      const { access_token: token } = await clientCredentialsToken(ctx.as, 'tiny-quota', {
        scope: 'data:read',
      });
      const rows = [];
      for (const api of ctx.apis) {
        const statuses = [];
        let last;
        for (let i = 0; i < 4; i++) {
          last = await request(`${api.url}/data`, { token });
          statuses.push(last.status);
        }
        const retryAfter = last.headers.get('retry-after');
        const policy = last.headers.get('ratelimit-policy');
        rows.push([
          api.name,
          statuses.join(' '),
          `Retry-After: ${retryAfter}`,
          `RateLimit-Policy: ${policy}`,
        ]);
        expect(statuses.join(' ') === '200 200 200 429', `${api.name}: ${statuses.join(' ')}`);
        // At most the 60 s window plus one 5 s segment of scopegate's sliding window.
        expect(Number(retryAfter) >= 1 && Number(retryAfter) <= 65, `${api.name}: Retry-After ${retryAfter}`);
        expect(policy?.includes('q=3') && policy.includes('w=60'), `${api.name}: RateLimit-Policy ${policy}`);
        expect(describeError(last) === 'rate_limited', `${api.name}: error ${describeError(last)}`);
      }
      return { rows, notes: ['the limit comes from the client record at the AS admin API'], failures };
    },
  },
  {
    id: 'forged',
    title: 'Forged token refused',
    expected: '401 invalid_token (same claims and kid, signed with another key)',
    async run(ctx) {
      const { expect, failures } = checker();
      const genuine = await ctx.worker.client.getToken();
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT(decodeJwt(genuine))
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: decodeProtectedHeader(genuine).kid })
        .sign(privateKey);
      const rows = [];
      for (const api of ctx.apis) {
        const res = await request(`${api.url}/data`, { token: forged });
        rows.push([api.name, String(res.status), describeError(res), res.body?.error_description ?? '']);
        expect(res.status === 401, `${api.name}: ${res.status}, expected 401`);
        expect(res.wwwAuthenticate?.includes('error="invalid_token"'), `${api.name}: ${res.wwwAuthenticate}`);
      }
      return { rows, notes: [], failures };
    },
  },
  {
    id: 'expired',
    title: 'Expired token refused',
    expected: 'short-lived (1 s token): 200 while fresh, 401 invalid_token once expired',
    async run(ctx) {
      const { expect, failures } = checker();
      const { token, exp, freshStatuses } = ctx.shortLived;
      // Past `exp` plus the APIs' clock tolerance.
      const waitMs = (exp + CLOCK_TOLERANCE_SEC + 1) * 1000 - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const rows = [];
      for (const [i, api] of ctx.apis.entries()) {
        const res = await request(`${api.url}/data`, { token });
        rows.push([
          api.name,
          `fresh ${freshStatuses[i]}`,
          `expired ${res.status} ${describeError(res)}`,
          res.body?.error_description ?? '',
        ]);
        expect(freshStatuses[i] === 200, `${api.name}: fresh token got ${freshStatuses[i]}, expected 200`);
        expect(res.status === 401, `${api.name}: ${res.status}, expected 401`);
        expect(res.wwwAuthenticate?.includes('error="invalid_token"'), `${api.name}: ${res.wwwAuthenticate}`);
      }
      return {
        rows,
        notes: [
          `waited ${Math.max(0, Math.round(waitMs / 100) / 10)} s for exp + ${CLOCK_TOLERANCE_SEC} s tolerance`,
        ],
        failures,
      };
    },
  },
  {
    id: 'key-rotation',
    title: 'Key rotation at the AS picked up without restarting the APIs',
    expected: 'new-key token 200 and old-key token 200 on every API',
    async run(ctx) {
      const { expect, failures } = checker();
      const oldToken = await ctx.worker.client.getToken();
      const rotated = await request(`${ctx.as.adminUrl}/admin/keys/rotate`, { method: 'POST' });
      expect(rotated.status === 200, `rotation request: ${rotated.status}`);
      const { kid, previousKid } = rotated.body ?? {};
      ctx.worker.client.invalidate();
      const newToken = await ctx.worker.client.getToken();
      const newKid = decodeProtectedHeader(newToken).kid;
      expect(newKid === kid && kid !== previousKid, `new token kid ${newKid}, AS says ${kid}`);
      const rows = [];
      for (const api of ctx.apis) {
        const fresh = await request(`${api.url}/data`, { token: newToken });
        const old = await request(`${api.url}/data`, { token: oldToken });
        rows.push([api.name, `new key ${fresh.status}`, `old key ${old.status}`]);
        expect(fresh.status === 200, `${api.name}: new-key token ${fresh.status}, expected 200`);
        expect(old.status === 200, `${api.name}: old-key token ${old.status}, expected 200`);
      }
      return {
        rows,
        notes: [
          `signing key ${previousKid} -> ${kid} (old key still published)`,
          'the APIs re-read the JWKS on the unknown kid (demo cooldown 1 s; default 30 s)',
        ],
        failures,
      };
    },
  },
];

/**
 * Runs every step in order. A step that throws is recorded as failed and the
 * scenario goes on.
 * @param {object} ctx from {@link prepareScenario}
 * @param {{ onStep?: (step: object, result: object, index: number) => void }} [hooks]
 * @returns {Promise<{ step: object, result: { rows: string[][], notes: string[], failures: string[], ms: number } }[]>}
 */
export async function runScenario(ctx, hooks = {}) {
  const outcomes = [];
  for (const [index, step] of steps.entries()) {
    const started = Date.now();
    let result;
    try {
      result = await step.run(ctx);
    } catch (error) {
      result = { rows: [], notes: [], failures: [`step threw: ${error?.message ?? error}`] };
    }
    result.ms = Date.now() - started;
    outcomes.push({ step, result });
    hooks.onStep?.(step, result, index);
  }
  return outcomes;
}
