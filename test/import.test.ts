import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Loads each BUILT package the way users do, through its package.json
// `exports`, from both module systems. Runs in child processes so vitest's
// source aliases are not involved.
const cwd = fileURLToPath(new URL('.', import.meta.url));

const expected: Record<string, string[]> = {
  '@scopegate/core': [
    'createVerifier',
    'ScopegateError',
    'InvalidTokenError',
    'createGuard',
    'createMemoryStore',
  ],
  '@scopegate/express': ['auth', 'requireScopes', 'requireAnyScope', 'requireSubjectType'],
  '@scopegate/fastify': ['default'],
  '@scopegate/client': ['createTokenClient'],
  '@scopegate/redis': ['createRedisStore'],
  '@scopegate/testing': ['createTestIssuer', 'bearer', 'INVALID_TOKEN_KINDS', 'INVALID_TOKEN_REASONS'],
};

function run(args: string[]): Record<string, string> {
  return JSON.parse(execFileSync(process.execPath, args, { cwd, encoding: 'utf8' }));
}

describe.each(Object.entries(expected))('%s', (name, names) => {
  it('imports from ESM', () => {
    const code = `const m = await import(${JSON.stringify(name)}); console.log(JSON.stringify(Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))));`;
    const types = run(['--input-type=module', '-e', code]);
    for (const n of names) expect(types[n], n).toBeDefined();
  });

  it('requires from CommonJS', () => {
    const code = `const m = require(${JSON.stringify(name)}); console.log(JSON.stringify(Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))));`;
    const types = run(['-e', code]);
    for (const n of names) expect(types[n], n).toBeDefined();
  });
});

describe('ESM and CommonJS builds agree', () => {
  it('a ScopegateError from the CJS build has the same contract fields as from the ESM build', () => {
    const pick = `const e = new m.InvalidRequestError('bad header'); console.log(JSON.stringify({ status: e.status, code: e.code, body: e.toBody(), www: e.wwwAuthenticate('api') }));`;
    const esm = run(['--input-type=module', '-e', `const m = await import('@scopegate/core'); ${pick}`]);
    const cjs = run(['-e', `const m = require('@scopegate/core'); ${pick}`]);
    expect(cjs).toEqual(esm);
    expect(esm).toEqual({
      status: 400,
      code: 'invalid_request',
      body: { error: 'invalid_request', error_description: 'bad header' },
      www: 'Bearer realm="api", error="invalid_request", error_description="bad header"',
    });
  });
});
