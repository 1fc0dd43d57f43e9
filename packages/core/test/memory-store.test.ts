import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/errors.js';
import { createMemoryStore, DEFAULT_MAX_CLIENTS } from '../src/rate-limit/memory-store.js';

describe('createMemoryStore', () => {
  it('admits exactly the limit per key within a window and restores it after W + s', async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ now: () => now });
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await store.consume('a', 5, 60));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(results[5]).toEqual({ allowed: false, limit: 5, remaining: 0, resetSeconds: 65 });
    now += 64_999;
    expect((await store.consume('a', 5, 60)).allowed).toBe(false);
    now += 1;
    expect(await store.consume('a', 5, 60)).toEqual({
      allowed: true,
      limit: 5,
      remaining: 4,
      resetSeconds: 65,
    });
  });

  it('keeps clients independent', async () => {
    const store = createMemoryStore({ now: () => 0 });
    for (let i = 0; i < 3; i++) await store.consume('a', 3, 60);
    expect((await store.consume('a', 3, 60)).allowed).toBe(false);
    expect(await store.consume('b', 3, 60)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 65,
    });
    expect((await store.consume('a', 3, 60)).allowed).toBe(false);
    expect(store.size).toBe(2);
  });

  it('is atomic per key under concurrent consumes', async () => {
    const store = createMemoryStore({ now: () => 0 });
    const results = await Promise.all(Array.from({ length: 200 }, () => store.consume('k', 50, 60)));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(new Set(results.filter((r) => r.allowed).map((r) => r.remaining)).size).toBe(50);
  });

  it('stays bounded at maxClients under 200 000 distinct client ids', async () => {
    const store = createMemoryStore({ now: () => 0 });
    expect(DEFAULT_MAX_CLIENTS).toBe(100_000);
    for (let i = 0; i < 200_000; i++) await store.consume(`flood-${i}`, 10, 60);
    expect(store.size).toBe(100_000);
    // The most recent ids are still tracked, the oldest were dropped.
    expect((await store.consume('flood-199999', 1, 60)).allowed).toBe(false);
    expect((await store.consume('flood-0', 1, 60)).allowed).toBe(true);
    expect(store.size).toBe(100_000);
  });

  it('honours a smaller maxClients and keeps recently used clients', async () => {
    const store = createMemoryStore({ maxClients: 2, now: () => 0 });
    await store.consume('a', 1, 60);
    await store.consume('b', 1, 60);
    await store.consume('a', 1, 60); // touch a
    await store.consume('c', 1, 60); // evicts b
    expect(store.size).toBe(2);
    expect((await store.consume('a', 1, 60)).allowed).toBe(false);
    expect((await store.consume('b', 1, 60)).allowed).toBe(true);
  });

  it('rejects an invalid maxClients and clears on close', async () => {
    expect(() => createMemoryStore({ maxClients: 0 })).toThrow(ConfigurationError);
    expect(() => createMemoryStore({ maxClients: 1.5 })).toThrow(ConfigurationError);
    const store = createMemoryStore();
    await store.consume('a', 1, 60);
    await store.close?.();
    expect(store.size).toBe(0);
  });
});
