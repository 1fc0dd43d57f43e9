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

  it('adds no property to the request', async () => {
    const { setAuthState } = await import('../src/state.js');
    const req = {} as Request;
    setAuthState(req, { guard: {} as Guard, errorHandling: 'next' });
    expect(Reflect.ownKeys(req)).toEqual([]);
  });
});
