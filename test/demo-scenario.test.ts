/**
 * The `pnpm demo` scenario as assertions: the same steps, over real HTTP,
 * against the real authorization server, both adapters and the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareScenario, type ScenarioContext, steps } from '../examples/demo/scenario.js';
import { type Stack, startStack } from '../examples/demo/stack.js';

let stack: Stack;
let ctx: ScenarioContext;

beforeAll(async () => {
  stack = await startStack();
  ctx = await prepareScenario(stack);
});

afterAll(async () => {
  await stack?.close();
});

describe('demo scenario', () => {
  it('has the steps the issue asks for, in order', () => {
    expect(steps.map((s) => s.id)).toEqual([
      'token-reuse',
      'reads-writes',
      'read-only-refused',
      'user-refused-sync',
      'rate-limit',
      'forged',
      'expired',
      'key-rotation',
    ]);
  });

  // Steps share state (the worker's cached token, the rotation at the end), so they run in order.
  for (const step of steps) {
    it(`${step.id}: ${step.title}`, async () => {
      const result = await step.run(ctx);
      expect(result.failures).toEqual([]);
      expect(result.rows.length).toBeGreaterThan(0);
    });
  }

  it('the worker made every call with one token (counted at the authorization server)', () => {
    // token-reuse made 18 calls; key-rotation invalidated and fetched one more.
    expect(stack.as.tokenRequestCount('nightly-data-sync')).toBe(2);
    expect(ctx.worker.counters.tokenRequests).toBe(2);
  });
});
