// `pnpm bench`: scopegate side by side with its peers in one run.
// Writes docs/benchmarks.md and docs/benchmarks.svg. Not part of the test suite.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { makeKey, signToken, tamper } from './lib/fixtures.js';
import { load, startServer } from './lib/http.js';
import { runMicro } from './lib/micro.js';
import { pageFaultCostUs } from './lib/page-faults.js';
import { pinning } from './lib/pinning.js';
import { JWKS_PEERS, PEERS, renderMarkdown, renderSvg } from './lib/report.js';

const quick = process.argv.includes('--quick');
const log = (...args) => console.error('[bench]', ...args);
const started = Date.now();
// Other processes on the machine disturb every figure; the load average says how busy it was.
const loadBefore = os.loadavg()[0];

const redisAvailable = await new Promise((resolve) => {
  const socket = connect(6379, '127.0.0.1');
  socket.once('connect', () => resolve(socket.end() && true));
  socket.once('error', () => resolve(false));
});

// ---------------------------------------------------------------- micro
log('verifier micro-benchmarks (RS256, ES256, EdDSA)');
// Many short rounds rather than a few long ones, same total time: each ratio is the median of
// its per-round ratios, and on this shared machine one round's ratio can stray by a quarter.
const microRounds = { rounds: quick ? 5 : 21, sliceMs: quick ? 60 : 86 };
const micro = await runMicro({
  ...microRounds,
  log: (alg, results) =>
    log(alg, results.map((r) => `${r.id}=${r.opsPerSec ? Math.round(r.opsPerSec) : 'n/a'}`).join(' ')),
});

// ---------------------------------------------------------------- HTTP
const key = makeKey('RS256');
const config = { alg: 'RS256', jwks: key.jwks, pem: key.pem };
const repeatedToken = signToken(key);
// Each server is measured in slices that alternate with the other servers of its framework,
// forward then backward, and each ratio is the median of its per-round ratios: this shared
// machine has slow spells of a minute or more, and servers measured seconds apart share them.
const rounds = quick ? 3 : 5;
const slice = { repeatedSec: quick ? 0.5 : 1, distinctTokens: quick ? 1000 : 2000 };
// Distinct tokens: each server sees each one once, one slice's worth per round.
const poolSize = rounds * slice.distinctTokens;
log(`signing ${poolSize} distinct RS256 tokens`);
const pool = Array.from({ length: poolSize }, () => signToken(key));
// Warm-up tokens for the distinct mode, never part of the measured pool. As many as it takes
// for the JIT to settle on the verify path: after 600, servers were still compiling on V8's
// background threads (on the server's one CPU) during the measurement, which charged them
// by how much code they run, not by what a request costs once warm (steady state: ~6000).
const warmPool = Array.from({ length: quick ? 1500 : 6000 }, () => signToken(key));
const tampered = tamper(repeatedToken);
// The repeated mode is warmed by time, per framework: after 0.5 s, V8 was still compiling
// during the measurement (its background threads used 40 µs per request in Fastify +
// scopegate's next half second, 200 in Express's), which charged each server by how much code
// it runs. Fastify settles within 1 s; Express (some 5x slower per request) within 2 to 3.
const warmup = {
  repeatedSec: quick ? { express: 1.5, fastify: 1 } : { express: 3, fastify: 1.5 },
  distinctTokens: warmPool.length,
};

// Reference servers that authenticate nothing: what the framework alone charges for the
// middleware / hook shape scopegate uses (repeated mode only, where that share is largest).
const references = ['express:layers', 'fastify:hook'];
// With distinct tokens, the crypto route's one verify in that same shape: what scopegate would
// cost if it did nothing but check the signature.
const signatureReferences = { express: 'express:crypto-layers', fastify: 'fastify:crypto-hook' };
// What each round measures, in order. The servers a target compares stand next to each other
// (scopegate next to bare and its peer, or to crypto; the crypto route next to its shaped twin). The Redis store runs with the repeated
// token only: what it adds per request (one round trip for the client's window) does not
// depend on whether the token is new. The crypto route runs with distinct tokens only: no
// target compares it with a repeated token.
const lineup = (mode, fw) =>
  mode === 'repeated'
    ? [
        references.find((r) => r.startsWith(fw)),
        `${fw}:bare`,
        `${fw}:scopegate`,
        PEERS[fw],
        ...(JWKS_PEERS[fw] ? [JWKS_PEERS[fw]] : []),
        ...(redisAvailable ? [`${fw}:scopegate-redis`] : []),
      ]
    : [
        `${fw}:bare`,
        signatureReferences[fw],
        `${fw}:crypto`,
        `${fw}:scopegate`,
        `${fw}:scopegate-nocache`,
        PEERS[fw],
        ...(JWKS_PEERS[fw] ? [JWKS_PEERS[fw]] : []),
      ];
const authenticates = (variant) => !variant.endsWith(':bare') && !references.includes(variant);

/** Starts a server, checks that it accepts the valid token and refuses a tampered one, warms it up. */
async function ready(variant, mode) {
  const server = await startServer(variant, config);
  const check = await fetch(server.url, { headers: { authorization: `Bearer ${repeatedToken}` } });
  if (check.status !== 200) throw new Error(`${variant} answered ${check.status} to a valid token`);
  if (authenticates(variant)) {
    const forged = await fetch(server.url, { headers: { authorization: `Bearer ${tampered}` } });
    await forged.arrayBuffer();
    if (forged.status !== 401) throw new Error(`${variant} answered ${forged.status} to a tampered token`);
  }
  // JIT warm-up on the path about to be measured.
  await load(
    server.url,
    mode === 'repeated'
      ? { token: repeatedToken, durationSec: warmup.repeatedSec[variant.split(':')[0]] }
      : { tokens: warmPool },
  );
  return server;
}

const http = { repeated: {}, distinct: {} };
for (const mode of ['repeated', 'distinct']) {
  for (const fw of ['express', 'fastify']) {
    const measured = lineup(mode, fw);
    // One process per server for the whole mode, all on the server CPU: only the one being
    // measured has work, the others wait idle. Started one at a time.
    const servers = new Map();
    for (const variant of measured) servers.set(variant, await ready(variant, mode));
    for (let round = 0; round < rounds; round++) {
      // Forward, then backward: neighbours stay neighbours, and no server is always first.
      const order = round % 2 === 0 ? measured : [...measured].reverse();
      for (const variant of order) {
        const server = servers.get(variant);
        const before = await server.usage();
        const result = await load(
          server.url,
          mode === 'repeated'
            ? { token: repeatedToken, durationSec: slice.repeatedSec }
            : { tokens: pool.slice(round * slice.distinctTokens, (round + 1) * slice.distinctTokens) },
        );
        const after = await server.usage();
        result.cpuUsPerRequest = (after.cpuUs - before.cpuUs) / result.requests;
        result.pageFaultsPerRequest = (after.pageFaults - before.pageFaults) / result.requests;
        if (result.non2xx > 0 && authenticates(variant))
          log(`${variant} ${mode}: ${result.non2xx} non-2xx responses`);
        http[mode][variant] ??= [];
        http[mode][variant].push(result);
        log(
          mode,
          `round ${round + 1}/${rounds}`,
          variant,
          `${Math.round(result.rps)} req/s p50=${result.p50.toFixed(3)}ms p99=${result.p99.toFixed(3)}ms cpu=${result.cpuUsPerRequest.toFixed(1)}us/req faults=${result.pageFaultsPerRequest.toFixed(2)}/req`,
        );
      }
    }
    for (const server of servers.values()) await server.stop();
  }
}

// ---------------------------------------------------------------- memory
log('memory');
const memory = JSON.parse(
  execFileSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(new URL('./lib/memory.js', import.meta.url))],
    { encoding: 'utf8' },
  ),
);

const machine = {
  node: process.version,
  cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
  memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString().slice(0, 10),
  durationSec: Math.round((Date.now() - started) / 1000),
  loadAverage: [loadBefore, os.loadavg()[0]].map((n) => Number(n.toFixed(2))),
  quick,
  redis: redisAvailable,
  pinning,
  microRounds,
  warmup,
  slice,
  pageFaultUs: Number(pageFaultCostUs().toFixed(2)),
};
const report = { machine, micro, http, memory };
const docs = new URL('../docs/', import.meta.url);
writeFileSync(new URL('benchmarks.md', docs), renderMarkdown(report));
writeFileSync(new URL('benchmarks.svg', docs), renderSvg(report));
writeFileSync(new URL('benchmarks.json', docs), `${JSON.stringify(report, null, 2)}\n`);
log(`wrote docs/benchmarks.md and docs/benchmarks.svg in ${machine.durationSec} s`);
