import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources (so coverage maps to src/); the
// import tests in test/ load the built dist/ through Node itself.
const alias = {
  '@scopegate/core': src('core'),
  '@scopegate/express': src('express'),
  '@scopegate/fastify': src('fastify'),
  '@scopegate/client': src('client'),
  '@scopegate/redis': src('redis'),
  '@scopegate/testing': src('testing'),
};

const project = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: { name, include, testTimeout: 20_000, hookTimeout: 30_000, ...extra },
});

export default defineConfig({
  test: {
    // The JSON report feeds the plain "N passed, N failed" line CI prints (scripts/test-summary.js).
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-report.json' }]],
    projects: [
      project('core', ['packages/core/test/**/*.test.ts']),
      project('express', ['packages/express/test/**/*.test.ts']),
      project('fastify', ['packages/fastify/test/**/*.test.ts']),
      project('client', ['packages/client/test/**/*.test.ts']),
      project('redis', ['packages/redis/test/**/*.test.ts']),
      project('testing', ['packages/testing/test/**/*.test.ts']),
      // end-to-end tests start servers and child processes: run files one at a time
      project('e2e', ['test/**/*.test.ts'], { fileParallelism: false }),
    ],
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        'packages/core/src/**': { lines: 90 },
      },
    },
  },
});
