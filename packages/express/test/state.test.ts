import type { Guard } from '@scopegate/core';
import type { Request } from 'express';
import { describe, expect, it, vi } from 'vitest';

describe('per-request auth state', () => {
  it('is shared by two copies of the package loaded in one app', async () => {
    const first = await import('../src/state.js');
    vi.resetModules();
    const second = await import('../src/state.js');
    expect(second).not.toBe(first); // really two module instances
    const req = {} as Request;
    const state = { guard: {} as Guard, errorHandling: 'respond' as const };
    first.setAuthState(req, state);
    expect(second.getAuthState(req)).toBe(state);
    expect(second.getAuthState({} as Request)).toBeUndefined();
  });

  it('reads the state an older copy left on the request itself', async () => {
    const { getAuthState } = await import('../src/state.js');
    const state = { guard: {} as Guard, errorHandling: 'respond' as const };
    const req = { [Symbol.for('@scopegate/express.auth-state')]: state } as unknown as Request;
    expect(getAuthState(req)).toBe(state);
  });

  it('does not trust or overwrite something else stored under its global key', async () => {
    const key = Symbol.for('@scopegate/express.auth-states.v1');
    const holder = globalThis as Record<symbol, unknown>;
    const saved = holder[key];
    const foreign = { not: 'a WeakMap' };
    holder[key] = foreign;
    try {
      vi.resetModules();
      const { getAuthState, setAuthState } = await import('../src/state.js');
      const req = {} as Request;
      const state = { guard: {} as Guard, errorHandling: 'next' as const };
      setAuthState(req, state);
      expect(getAuthState(req)).toBe(state);
      expect(holder[key]).toBe(foreign);
    } finally {
      holder[key] = saved;
      vi.resetModules();
    }
  });

  it('adds no property to the request', async () => {
    const { setAuthState } = await import('../src/state.js');
    const req = {} as Request;
    setAuthState(req, { guard: {} as Guard, errorHandling: 'next' });
    expect(Reflect.ownKeys(req)).toEqual([]);
  });
});
