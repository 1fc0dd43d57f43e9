/**
 * The benchmark report (`bench/lib/report.js`): the committed docs are exactly what it makes of
 * the committed run, and its ratios pair rounds the way docs/benchmarks.md says they do. The
 * bench itself is too slow for the suite; its report is not.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface Target {
  readonly what: string;
  readonly ratio: number;
  readonly target: number;
  readonly spread?: string;
}
interface ReportModule {
  evaluate(report: unknown): { targets: Target[] };
  renderMarkdown(report: unknown): string;
  renderSvg(report: unknown): string;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
let report: ReportModule;

beforeAll(async () => {
  // A plain JavaScript module outside the typed sources: imported by URL, typed here.
  report = (await import(pathToFileURL(join(root, 'bench/lib/report.js')).href)) as ReportModule;
});

const micro = (samples: boolean) => [
  {
    alg: 'RS256',
    results: [
      { id: 'floor', name: 'floor', opsPerSec: 100, ...(samples ? { samples: [100, 50, 100] } : {}) },
      { id: 'scopegate-cold', name: 'cold', opsPerSec: 80, ...(samples ? { samples: [90, 50, 80] } : {}) },
    ],
  },
];
const run = (rps: number[]) => rps.map((r) => ({ rps: r, cpuUsPerRequest: 1000 / r, p50: 1, p99: 2 }));
const http = {
  repeated: { 'express:bare': run([100, 100, 100]), 'express:scopegate': run([90, 80, 95]) },
  distinct: {},
};
const machine = {
  date: '2026-12-02',
  node: 'v20',
  cpus: '2',
  memory: '1 GiB',
  platform: 'linux',
  durationSec: 1,
};
/** The target whose description starts with `what`, from the fixture run with or without its micro rounds. */
const targetOf = (what: string, withRounds = true): Target => {
  const { targets } = report.evaluate({ machine, micro: micro(withRounds), http });
  const found = targets.find((t) => t.what.startsWith(what));
  if (found === undefined) throw new Error(`no target ${what}`);
  return found;
};

describe('bench report', () => {
  it('renders docs/benchmarks.md and docs/benchmarks.svg exactly from docs/benchmarks.json', () => {
    const saved = JSON.parse(read('docs/benchmarks.json')) as unknown;
    expect(report.renderMarkdown(saved)).toBe(read('docs/benchmarks.md'));
    expect(report.renderSvg(saved)).toBe(read('docs/benchmarks.svg'));
  });

  it('takes a micro ratio as the median of its per-round ratios, with their middle half', () => {
    const cold = targetOf('RS256 cold verify()');
    // Rounds 0.9, 1.0 and 0.8: the median ratio is 0.9, not 80 / 100 (the ratio of the medians).
    expect(cold.ratio).toBeCloseTo(0.9, 10);
    expect(cold.spread).toBe('0.80–1.00');
  });

  it('falls back to the ratio of the medians for a run saved without its rounds', () => {
    const cold = targetOf('RS256 cold verify()', false);
    expect(cold.ratio).toBeCloseTo(0.8, 10);
    expect(cold.spread).toBe('');
  });

  it('pairs HTTP servers round by round', () => {
    const express = targetOf('HTTP repeated token: Express');
    expect(express.ratio).toBeCloseTo(0.9, 10);
    expect(express.spread).toBe('0.80–0.95');
  });

  it('compares scopegate with the crypto route in its own shape, with distinct tokens', () => {
    const distinct = {
      'express:crypto': run([100, 100, 100]),
      'express:crypto-layers': run([100, 90, 80]),
      'express:scopegate': run([80, 72, 60]),
      'express:scopegate-nocache': run([90, 81, 76]),
    };
    const markdown = report.renderMarkdown({
      machine,
      micro: micro(true),
      http: { ...http, distinct },
      memory: { tokenBytes: 800, tokenCacheBytes: 1, storeBytes: 1 },
    });
    // Per round: reference 1.0, 0.9, 0.8 of crypto; scopegate 0.8, 0.72, 0.6 of crypto and
    // 0.8, 0.8, 0.75 of the reference (median 0.80); without its cache 0.9, 0.9, 0.95 of it.
    expect(markdown).toContain(
      "| express | the crypto route's verify in `layers` | 0.90x | 0.72x | 0.80x | 0.90x |",
    );
    // No Fastify reference in this run: no row for it, and the repeated table stays out too.
    expect(markdown).not.toContain("| fastify | the crypto route's verify");
    expect(markdown).not.toContain('What the framework alone charges');
  });

  it("shows each target's middle half of rounds in docs/benchmarks.md", () => {
    expect(read('docs/benchmarks.md')).toContain(
      '| what | ratio | target | | by server CPU | middle half of rounds |',
    );
  });
});
