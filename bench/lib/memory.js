// Heap cost of the bounded caches, measured in a process started with
// --expose-gc: 10 000 verified tokens in the token cache, and 100 000 clients
// in the in-memory rate-limit store. Prints one JSON line.
import { createMemoryStore, createVerifier } from '@scopegate/core';
import { AUDIENCE, ISSUER, makeKey, signToken } from './fixtures.js';

const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const key = makeKey('ES256');
const tokens = Array.from({ length: 10_000 }, (_, i) =>
  signToken(key, { sub: `client-${i}`, client_id: `client-${i}` }),
);
const verifier = createVerifier({
  issuer: ISSUER,
  audience: AUDIENCE,
  jwks: key.jwks,
  tokenCache: { maxEntries: 10_000 },
});
await verifier.warmup();

const before = heap();
for (const token of tokens) await verifier.verify(token);
const tokenCacheBytes = heap() - before;

const store = createMemoryStore({ maxClients: 100_000 });
const beforeStore = heap();
for (let i = 0; i < 100_000; i++) await store.consume(`client-${i}`, 600, 60);
const storeBytes = heap() - beforeStore;

const tokenBytes = tokens.reduce((n, t) => n + t.length, 0) / tokens.length;
// Touch both structures after the last measurement: otherwise they are garbage
// by then and the collector frees them inside the measured interval.
const cacheHit = (await verifier.verify(tokens[0])).subject === 'client-0';
console.log(JSON.stringify({ tokenCacheBytes, storeBytes, tokenBytes, storeClients: store.size, cacheHit }));
