// Turns one benchmark run into docs/benchmarks.md (ratios first) and an SVG
// bar chart of the same ratios.

import { median } from './median.js';

const fmt = (n) => (n == null || Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const x = (n) => (n == null || !Number.isFinite(n) || n === 0 ? 'n/a' : `${n.toFixed(2)}x`);
const ms = (n) => (n == null || Number.isNaN(n) ? 'n/a' : n.toFixed(3));

/** Each framework's peer server: what its users would otherwise run. */
export const PEERS = { express: 'express:oauth2-jwt-bearer', fastify: 'fastify:fastify-jwt' };
/**
 * The same peer fed from the issuer's JWKS, as scopegate is (express-oauth2-jwt-bearer only
 * takes a JWKS URI): shown beside the target, which keeps the cheaper static-key setup.
 */
export const JWKS_PEERS = { fastify: 'fastify:fastify-jwt-jwks' };

/** A framework's name as a sentence starts it: `express` → `Express`. */
const title = (fw) => `${fw[0].toUpperCase()}${fw.slice(1)}`;

/**
 * The per-round ratios of two HTTP servers, `variant` over `base`. Each round measures the two
 * seconds apart, so a slow spell of a shared machine hits both sides of a ratio alike; a ratio
 * of two medians could mix rounds minutes apart. `by: 'cpu'` compares server CPU per request
 * instead (base over variant: higher is better for `variant` too).
 */
function roundRatios(http, mode, variant, base, by = 'rps') {
  const a = http[mode]?.[variant];
  const b = http[mode]?.[base];
  if (!a || !b) return [];
  const perRound = [];
  // Every server is measured once per round, so run i of each is round i.
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    perRound.push(
      by === 'rps'
        ? a[i].rps / b[i].rps
        : (b[i].cpuUsPerRequest ?? Number.NaN) / (a[i].cpuUsPerRequest ?? Number.NaN),
    );
  return perRound;
}

/** The median of {@link roundRatios}: the ratio every table shows. */
function pairedRatio(http, mode, variant, base, by = 'rps') {
  const perRound = roundRatios(http, mode, variant, base, by);
  return perRound.length === 0 ? Number.NaN : median(perRound);
}

/**
 * The middle half of some per-round ratios (first to third quartile), as `0.81–0.92`: where
 * most rounds fell around their median. A range, not the extremes, so that it does not widen
 * with the number of rounds.
 */
function spreadOf(perRound) {
  const sorted = perRound.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length < 3) return '';
  // Rounded outwards: never narrower than the middle half (5 rounds: the 2nd to the 4th).
  const last = sorted.length - 1;
  return `${sorted[Math.floor(last * 0.25)].toFixed(2)}–${sorted[Math.ceil(last * 0.75)].toFixed(2)}`;
}

/**
 * A micro-benchmark ratio, case `id` over case `base`: the median of the per-round ratios, as
 * for HTTP (every case is timed once per round, so sample i of each is round i), or, for a run
 * saved without its rounds, the ratio of the two medians.
 */
function microRatio(byId, id, base) {
  const a = byId[id];
  const b = byId[base];
  if (!a?.opsPerSec || !b?.opsPerSec) return Number.NaN;
  const perRound = microRoundRatios(byId, id, base);
  return perRound.length > 0 ? median(perRound) : a.opsPerSec / b.opsPerSec;
}

/** Case `id` over case `base`, round by round; empty for a run saved without its rounds. */
function microRoundRatios(byId, id, base) {
  const a = byId[id]?.samples;
  const b = byId[base]?.samples;
  return a?.length > 0 && a.length === b?.length ? a.map((ops, i) => ops / b[i]) : [];
}

/** `variant` over `base` by requests per second, then, in parentheses, by server CPU. */
const ratioAndCpu = (http, mode, variant, base) =>
  `${x(pairedRatio(http, mode, variant, base))} (by server CPU ${x(pairedRatio(http, mode, variant, base, 'cpu'))})`;

function httpSummary(runs) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpu: median(runs.map((r) => r.cpuUsPerRequest ?? Number.NaN)),
    pageFaults: median(runs.map((r) => r.pageFaultsPerRequest ?? Number.NaN)),
  };
}

/** Ratios and pass/fail against issue 6's targets. */
export function evaluate(report) {
  const targets = [];
  const ratios = [];
  for (const { alg, results } of report.micro) {
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    for (const r of results)
      if (r.id !== 'floor' && r.opsPerSec)
        ratios.push({ label: `${alg} ${r.name}`, value: microRatio(byId, r.id, 'floor'), group: 'to floor' });
    const microTarget = (what, id, base, target) => ({
      what,
      ratio: microRatio(byId, id, base),
      spread: spreadOf(microRoundRatios(byId, id, base)),
      target,
    });
    targets.push(
      microTarget(`${alg} cold verify() vs node:crypto floor`, 'scopegate-cold', 'floor', 0.85),
      microTarget(`${alg} cached verify() vs fast-jwt cache hit`, 'scopegate-cached', 'fastjwt-cached', 1.2),
    );
  }
  const h = {};
  for (const mode of Object.keys(report.http)) {
    h[mode] = Object.fromEntries(
      Object.entries(report.http[mode]).map(([v, runs]) => [v, httpSummary(runs)]),
    );
  }
  // An HTTP target: the requests/s ratio, and the same comparison by server CPU per request
  // (base / scopegate), which still tells the servers apart when the load generator, not the
  // server, limits the rate.
  const httpTarget = (what, mode, variant, base, target) => ({
    what,
    ratio: pairedRatio(report.http, mode, variant, base),
    cpuRatio: pairedRatio(report.http, mode, variant, base, 'cpu'),
    spread: spreadOf(roundRatios(report.http, mode, variant, base)),
    target,
  });
  targets.push(
    httpTarget(
      'HTTP repeated token: Express + scopegate vs bare Express',
      'repeated',
      'express:scopegate',
      'express:bare',
      0.9,
    ),
    httpTarget(
      'HTTP repeated token: Fastify + scopegate vs bare Fastify',
      'repeated',
      'fastify:scopegate',
      'fastify:bare',
      0.6,
    ),
    httpTarget(
      'HTTP repeated token: Fastify + scopegate vs @fastify/jwt',
      'repeated',
      'fastify:scopegate',
      PEERS.fastify,
      3.5,
    ),
  );
  for (const fw of ['express', 'fastify']) {
    targets.push(
      httpTarget(
        `HTTP distinct tokens: ${fw} + scopegate vs one bare crypto.verify route`,
        'distinct',
        `${fw}:scopegate`,
        `${fw}:crypto`,
        0.9,
      ),
    );
  }
  for (const mode of Object.keys(h)) {
    for (const v of Object.keys(h[mode])) {
      const [fw] = v.split(':');
      if (!v.endsWith(':bare'))
        ratios.push({
          label: `HTTP ${mode} ${v}`,
          value: pairedRatio(report.http, mode, v, `${fw}:bare`),
          group: 'to bare framework',
        });
    }
  }
  const ratioOf = (mode, variant, base) => pairedRatio(report.http, mode, variant, base);
  return { targets, ratios, http: h, ratioOf };
}

export function renderMarkdown(report) {
  const { targets, http, ratioOf } = evaluate(report);
  const m = report.machine;
  const lines = [];
  lines.push('# Benchmarks', '');
  lines.push(
    `Generated by \`pnpm bench\` on ${m.date}${m.quick ? ' (quick mode: fewer rounds)' : ''}: Node ${m.node}, ${m.cpus}, ${m.memory}, ${m.platform}. One run, ${m.durationSec} s${m.loadAverage ? `; 1-minute load average ${m.loadAverage[0]} at the start, ${m.loadAverage[1]} at the end` : ''}. Every figure below comes from the same run; medians of interleaved rounds.`,
    '',
  );
  lines.push('![ratios](./benchmarks.svg)', '');
  lines.push(
    '## Targets (issue 6)',
    '',
    'Ratios of operations (micro) or requests (HTTP) per second, each from the same run; a target is met when that ratio reaches it. An HTTP ratio is taken in each round and the median over the rounds is shown; the two servers of each target are measured one right after the other, so a slow spell of the machine hits both sides alike. For HTTP, the column "by server CPU" makes the same comparison by server CPU per request (the other server\'s CPU µs/req over scopegate\'s). It is the one to read when servers of quite different cost answer at about the same rate: the load generator, not the server, was the limit then. The last column gives the middle half of the per-round ratios behind the median (first to third quartile; for HTTP, by requests per second): a target whose range straddles it was met in some rounds and missed in others.',
    '',
    '| what | ratio | target | | by server CPU | middle half of rounds |',
    '|---|---:|---:|---|---:|---:|',
  );
  for (const t of targets)
    lines.push(
      `| ${t.what} | ${x(t.ratio)} | ${x(t.target)} | ${t.ratio >= t.target ? 'met' : '**missed**'} | ${t.cpuRatio === undefined ? '' : x(t.cpuRatio)} | ${t.spread ?? ''} |`,
    );
  const jwksPeer = JWKS_PEERS.fastify;
  if (http.repeated?.[jwksPeer]) {
    const both = (mode) => ratioAndCpu(report.http, mode, 'fastify:scopegate', jwksPeer);
    lines.push(
      '',
      `Not a target: Fastify + scopegate against @fastify/jwt given the keys the way scopegate gets them, from the issuer's JWKS (\`get-jwks\`, as @fastify/jwt's README sets it up; \`${jwksPeer}\` below): ${both('repeated')} with the repeated token${http.distinct?.[jwksPeer] ? `, ${both('distinct')} with distinct tokens` : ''}.`,
    );
  }
  lines.push(...referenceTables(http, ratioOf));
  lines.push(
    '',
    '## Verifier micro-benchmarks',
    '',
    `Operations per second, one process. "cold" verifies a distinct token each call with the token cache off; "cached" repeats one token. The floor is one \`node:crypto\` \`verify\` of the signing input with a prepared KeyObject.${report.micro[0]?.results[0]?.samples ? ` Every case is timed once per round${report.machine.microRounds ? ` (${report.machine.microRounds.rounds} rounds of ${report.machine.microRounds.sliceMs} ms)` : ''}, in an order that rotates from round to round; ops/s is the median over the rounds, and each ratio the median of its per-round ratios, so that a slow spell of the machine during some rounds moves both sides of a ratio.` : ''}`,
    '',
  );
  for (const { alg, results } of report.micro) {
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    lines.push(
      `### ${alg}`,
      '',
      '| case | ops/s | x floor | x fast-jwt | x aws-jwt-verify |',
      '|---|---:|---:|---:|---:|',
    );
    for (const r of results) {
      const v = r.opsPerSec;
      const ratio = (base) => x(microRatio(byId, r.id, base));
      lines.push(
        `| ${r.name} | ${v ? fmt(v) : `n/a (${r.note})`} | ${ratio('floor')} | ${ratio('fastjwt')} | ${ratio('aws')} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## HTTP',
    '',
    [
      'autocannon (in the bench process), 10 connections, each server in its own child process on 127.0.0.1, RS256.',
      report.machine.pinning
        ? `The bench process (load generator and micro-benchmarks) is pinned to CPU ${report.machine.pinning.generator} and every server to CPU ${report.machine.pinning.server} (taskset), so a server has one whole core and never shares it with the load generator.`
        : 'Nothing is pinned to a CPU (no taskset, or a single CPU): the load generator and the servers share the cores.',
      "Each authenticating server answers `GET /data` behind a `data:read` scope check (scopegate variants also apply a per-client rate limit; the Redis store's variants run with the repeated token only, as what a store adds does not depend on the token being new); `crypto` is a route that does one bare `crypto.verify` of the token per request and nothing else" +
        (Object.keys(report.http.distinct ?? {}).some((v) => v.endsWith(':scopegate-nocache'))
          ? '; `scopegate-nocache` is scopegate with its verified-token cache off (`tokenCache: false`), run with distinct tokens only.'
          : '.') +
        (Object.keys(report.http.distinct ?? {}).some((v) => v.includes(':crypto-'))
          ? " `layers` and `hook` (repeated token) check nothing but have the shape scopegate gives a route; `crypto-layers` and `crypto-hook` (distinct tokens) do the crypto route's verify in that shape."
          : '') +
        method(report),
      "Requests per second count from launch to the last response; latency in milliseconds; server CPU is the server process's user + system time (all its threads) per request, which also grows when fewer requests share an event-loop turn, so compare it between servers driven at similar rates.",
      ...(Number.isFinite(m.pageFaultUs)
        ? [
            `Page faults are the server's minor page faults per request (first touches of fresh 4 KiB pages of memory, as its heap grows or takes pages back from the system); on this machine each one costs ${m.pageFaultUs} µs (touching fresh memory once, less touching it again), so a page fault per request adds that much server CPU per request.`,
          ]
        : []),
    ].join(' '),
    '',
  );
  for (const mode of Object.keys(http)) {
    lines.push(
      `### ${mode === 'repeated' ? 'One repeated valid token' : 'A distinct valid token per request'}`,
      '',
      '| server | req/s | p50 ms | p99 ms | server CPU µs/req | page faults /req | x bare framework | x peer |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const [v, s] of Object.entries(http[mode])) {
      const [fw] = v.split(':');
      const peer = PEERS[fw];
      lines.push(
        `| ${v} | ${fmt(s.rps)} | ${ms(s.p50)} | ${ms(s.p99)} | ${Number.isFinite(s.cpu) ? s.cpu.toFixed(1) : 'n/a'} | ${Number.isFinite(s.pageFaults) ? s.pageFaults.toFixed(2) : 'n/a'} | ${x(ratioOf(mode, v, `${fw}:bare`))} | ${v.includes('scopegate') ? x(ratioOf(mode, v, peer)) : ''} |`,
      );
    }
    lines.push('');
    if (mode === 'distinct')
      lines.push(...pageFaultShare(http.distinct, m.pageFaultUs), ...cacheShare(report.http));
  }
  if (http.repeated['express:scopegate-redis']) {
    lines.push(
      '### Redis rate-limit store',
      '',
      'Latency added per request by the shared Redis store over the in-memory store (same run, repeated token).',
      '',
      '| framework | p50 added ms | p99 added ms |',
      '|---|---:|---:|',
    );
    for (const fw of ['express', 'fastify']) {
      const mem = http.repeated[`${fw}:scopegate`];
      const red = http.repeated[`${fw}:scopegate-redis`];
      lines.push(`| ${fw} | ${ms(red.p50 - mem.p50)} | ${ms(red.p99 - mem.p99)} |`);
    }
    lines.push('');
  }
  const mem = report.memory;
  lines.push('## Memory', '', '| what | heap | per entry |', '|---|---:|---:|');
  lines.push(
    `| token cache, 10 000 verified tokens (~${Math.round(mem.tokenBytes)} B each) | ${(mem.tokenCacheBytes / 2 ** 20).toFixed(1)} MiB | ${fmt(mem.tokenCacheBytes / 10_000)} B |`,
  );
  lines.push(
    `| in-memory rate-limit store, 100 000 clients | ${(mem.storeBytes / 2 ** 20).toFixed(1)} MiB | ${fmt(mem.storeBytes / 100_000)} B |`,
  );
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/**
 * Servers that check nothing beyond what the framework or the signature alone charges, in the
 * shape scopegate gives a route (an app-level and a route-level middleware, or one hook; the
 * same two rate-limit headers and `auth` on the request), each with the server a target
 * compares scopegate to. Older runs lack some: their tables are left out.
 */
const REFERENCES = {
  repeated: {
    base: 'bare',
    intro:
      'What the framework alone charges, same run, repeated token: reference servers that check nothing but have the shape scopegate gives a route (the same two rate-limit headers and `auth` on the request).',
    head: '| framework | reference server | reference x bare | scopegate x bare | scopegate x reference |',
    servers: {
      express: [
        'express:layers',
        'an app-level and a route-level middleware (as `auth()` + `requireScopes()`)',
      ],
      fastify: ['fastify:hook', 'one `onRequest` hook (as the plugin)'],
    },
  },
  distinct: {
    base: 'crypto',
    intro:
      "What the signature alone costs in that shape, same run, distinct tokens: reference servers that do the crypto route's one `crypto.verify` and nothing else, but in scopegate's shape (as the repeated token's reference servers, the verify in the app-level middleware or the hook). Scopegate over such a server is what its own work costs a new token: the token's JSON and claims, the scope check, the rate limit and, with the cache on, keeping the token for its next request.",
    head: '| framework | reference server | reference x crypto route | scopegate x crypto route | scopegate x reference | scopegate without its cache x reference |',
    servers: {
      express: ['express:crypto-layers', "the crypto route's verify in `layers`"],
      fastify: ['fastify:crypto-hook', "the crypto route's verify in `hook`"],
    },
  },
};

function referenceTables(http, ratioOf) {
  const lines = [];
  for (const [mode, { base, intro, head, servers }] of Object.entries(REFERENCES)) {
    const present = Object.entries(servers).filter(([, [v]]) => http[mode]?.[v]);
    if (present.length === 0) continue;
    lines.push('', intro, '', head, `|---|---|${'---:|'.repeat(head.split('|').length - 4)}`);
    for (const [fw, [v, what]] of present) {
      const sg = `${fw}:scopegate`;
      const cells = [
        ratioOf(mode, v, `${fw}:${base}`),
        ratioOf(mode, sg, `${fw}:${base}`),
        ratioOf(mode, sg, v),
      ];
      if (mode === 'distinct') cells.push(ratioOf(mode, `${fw}:scopegate-nocache`, v));
      lines.push(`| ${fw} | ${what} | ${cells.map(x).join(' | ')} |`);
    }
  }
  return lines;
}

// How much of the server CPU between scopegate and the crypto route (distinct tokens) page
// faults account for: the cache keeps every new token, and where a fault is dear that counts.
function pageFaultShare(distinct, faultUs) {
  const parts = [];
  for (const fw of ['express', 'fastify']) {
    const sg = distinct[`${fw}:scopegate`];
    const crypto = distinct[`${fw}:crypto`];
    if (!sg || !crypto || ![faultUs, sg.pageFaults, crypto.pageFaults].every(Number.isFinite)) continue;
    parts.push(
      `${title(fw)}: scopegate ${sg.pageFaults.toFixed(2)}, the crypto route ${crypto.pageFaults.toFixed(2)} (${((sg.pageFaults - crypto.pageFaults) * faultUs).toFixed(1)} µs of the ${(sg.cpu - crypto.cpu).toFixed(1)} µs between them)`,
    );
  }
  if (parts.length === 0) return [];
  return [
    `Page faults per request, and the server CPU per request they account for at ${faultUs} µs each here: ${parts.join('; ')}. scopegate's verified-token cache keeps every new token, so with distinct tokens its heap grows and turns over.`,
    '',
  ];
}

// What the verified-token cache costs a new token: scopegate with the cache off, against the
// crypto route, beside the same ratio with the cache (distinct tokens; older runs lack it).
function cacheShare(runs) {
  const parts = [];
  for (const fw of ['express', 'fastify']) {
    if (!runs.distinct?.[`${fw}:scopegate-nocache`]) continue;
    const both = (v) => ratioAndCpu(runs, 'distinct', v, `${fw}:crypto`);
    parts.push(
      `${title(fw)} ${both(`${fw}:scopegate-nocache`)} without the cache, ${both(`${fw}:scopegate`)} with it`,
    );
  }
  if (parts.length === 0) return [];
  return [
    `Not a target: scopegate with its verified-token cache off (\`tokenCache: false\`, the \`scopegate-nocache\` servers) against the crypto route: ${parts.join('; ')}. Where the servers with the cache come out behind, the difference is what keeping each new token for its next request costs its first request: the cache's bookkeeping, and the garbage collector's work on every kept token (copying it out of the young generation, marking it later, and the heap's growth). The cache stays on by default, as a client repeats its token until it nears expiry and each repeat then skips all verification work; traffic where tokens are almost never repeated can turn it off.`,
    '',
  ];
}

// Older reports give one figure for every framework.
const repeatedWarmup = (sec) =>
  typeof sec === 'number'
    ? `${sec} s`
    : Object.entries(sec)
        .map(([fw, s]) => `${s} s for ${title(fw)}`)
        .join(', ');

// How the servers were measured. Reports before slices started a fresh process per measurement.
function method(report) {
  const { warmup, slice } = report.machine;
  const warm = warmup
    ? ` (the repeated token: ${repeatedWarmup(warmup.repeatedSec)}; ${fmt(warmup.distinctTokens)} distinct tokens, none of them among the measured ones, before a distinct-token run: enough for V8 to finish compiling that path, so the figures are those of a warm server)`
    : '';
  if (!slice)
    return ` Every measurement starts a fresh server process (one at a time, so nothing else runs on its CPU), checks that it accepts a valid token and refuses a tampered one (401), warms it up on the path about to be measured${warm}, measures it and stops it; the two servers of each target are measured one right after the other (forward in one round, backward in the next); req/s, latency and CPU are medians over the rounds, and each ratio is the median of its per-round ratios.`;
  const rounds = Math.max(...Object.values(report.http.repeated).map((runs) => runs.length));
  return ` For each token mode and framework, every server is started once in its own process (they wait side by side on the server CPU, idle but for the one being measured: an idle server used about 1 ms of CPU per 2 s), checked to accept a valid token and refuse a tampered one (401), and warmed up on the path about to be measured${warm}. Then they take turns: in each of ${rounds} rounds every server is measured for one slice (${slice.repeatedSec} s of the repeated token, or ${fmt(slice.distinctTokens)} distinct tokens it has not seen), in the lineup's order forward in one round and backward in the next, so the two servers of each target are measured seconds apart and a slow spell of this shared machine hits both alike. The tables' req/s, latency and CPU are medians over the rounds, and each ratio is the median of its per-round ratios.`;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function renderSvg(report) {
  const { ratios, targets } = evaluate(report);
  const rows = [
    ...targets.map((t) => ({ label: `target: ${t.what}`, value: t.ratio, target: t.target })),
    ...ratios,
  ];
  const rowH = 18;
  const left = 460;
  const width = 900;
  const max = Math.max(4, ...rows.map((r) => (Number.isFinite(r.value) ? r.value : 0)));
  const scale = (width - left - 60) / max;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${rows.length * rowH + 40}" font-family="sans-serif" font-size="11">`,
    `<text x="8" y="16" font-size="13" font-weight="bold">scopegate benchmark ratios (${esc(report.machine.date)}, Node ${esc(report.machine.node)})</text>`,
  ];
  rows.forEach((r, i) => {
    const y = 30 + i * rowH;
    const v = Number.isFinite(r.value) ? r.value : 0;
    const colour = r.target === undefined ? '#4c78a8' : v >= r.target ? '#54a24b' : '#e45756';
    parts.push(`<text x="${left - 6}" y="${y + 12}" text-anchor="end">${esc(r.label)}</text>`);
    parts.push(
      `<rect x="${left}" y="${y + 2}" width="${Math.max(1, v * scale).toFixed(1)}" height="${rowH - 5}" fill="${colour}"/>`,
    );
    parts.push(
      `<text x="${left + v * scale + 4}" y="${y + 12}">${v.toFixed(2)}x${r.target ? ` (target ${r.target}x)` : ''}</text>`,
    );
    if (r.target)
      parts.push(
        `<line x1="${left + r.target * scale}" x2="${left + r.target * scale}" y1="${y}" y2="${y + rowH}" stroke="#333" stroke-dasharray="2,2"/>`,
      );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
