/**
 * Each example runs alone, as its README says: `node server.js` configured
 * only through environment variables, against the authorization server
 * running as its own process. These run the built packages (dist/), as a user
 * would; `pnpm test` builds first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];

/** Starts `node <script>` and resolves the first stdout match of `pattern`. */
function startProcess(
  script: string,
  env: Record<string, string>,
  pattern: RegExp,
): Promise<RegExpMatchArray> {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${out}${err}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}: ${out}${err}`));
    });
  });
}

/** Runs `node <script>` to completion. */
function runProcess(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => resolve({ code, out }));
  });
}

let issuer: string;
let adminUrl: string;
const apis: Record<string, string> = {};

beforeAll(async () => {
  for (const pkg of ['core', 'express', 'fastify', 'client']) {
    if (!existsSync(`${root}packages/${pkg}/dist/index.js`)) {
      throw new Error(`packages/${pkg}/dist is missing: build first (npx pnpm@12.21.0 build)`);
    }
  }
  const as = await startProcess(
    'examples/authorization-server/server.js',
    { PORT: '0', ADMIN_PORT: '0' },
    /issuer:\s+(\S+)[\s\S]*admin API:\s+(http:\/\/[^/\s]+)/,
  );
  issuer = as[1]!;
  adminUrl = as[2]!;
  const env = {
    SCOPEGATE_ISSUER: issuer,
    SCOPEGATE_AUDIENCE: 'https://api.example.test',
    SCOPEGATE_ADMIN_URL: adminUrl,
    PORT: '0',
  };
  for (const name of ['express-api', 'fastify-api', 'gateway']) {
    const match = await startProcess(`examples/${name}/server.js`, env, /listening on (http:\/\/\S+)/);
    apis[name] = match[1]!.replace(/,$/, '');
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
});

describe('examples run alone from their READMEs', () => {
  it('each API answers /health publicly and 401 without a token', async () => {
    for (const [name, url] of Object.entries(apis)) {
      const health = await fetch(`${url}/health`);
      expect(health.status, name).toBe(200);
      expect(await health.json(), name).toEqual({ status: 'ok' });
      const data = await fetch(`${url}/data`);
      expect(data.status, name).toBe(401);
      expect(data.headers.get('www-authenticate'), name).toBe('Bearer realm="api"');
      await data.arrayBuffer();
    }
  });

  it('the worker syncs against all three with one token and exits 0', async () => {
    const { code, out } = await runProcess('examples/worker/worker.js', {
      SCOPEGATE_ISSUER: issuer,
      SCOPEGATE_AUDIENCE: 'https://api.example.test',
      API_URLS: Object.values(apis).join(','),
      WORKER_ROUNDS: '2',
    });
    expect(out).toContain('tokens requested: 1   API calls made: 18   failed: 0');
    expect(code).toBe(0);
  });

  it('an API without its environment refuses to start, naming what is missing', async () => {
    const { code, out } = await runProcess('examples/express-api/server.js', { PORT: '0' });
    expect(code).toBe(2);
    expect(out).toContain('missing environment variable(s): SCOPEGATE_ISSUER, SCOPEGATE_AUDIENCE');
  });
});
