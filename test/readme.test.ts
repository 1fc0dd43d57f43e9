/**
 * The documentation's structure, which no other test reads: the root README's two command
 * lines (CI runs the test one), its list of packages, and every Markdown table of the
 * project's own docs. A docs commit once replaced the package table with a broken header
 * over the benchmark rows, and nothing failed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'packages', entry.name, 'package.json')))
  .map((entry) => entry.name);

/** The section of `markdown` under the `## heading`, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) return '';
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Cells of a table row, ignoring pipes escaped or inside code spans. */
function cells(row: string): number {
  const bare = row.replace(/`[^`]*`/g, '').replace(/\\\|/g, '');
  return bare.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').length;
}

/** `[line number, header cells, separator cells]` of every table whose two first rows disagree. */
function brokenTables(markdown: string): [number, number, number][] {
  const lines = markdown.split('\n');
  const broken: [number, number, number][] = [];
  let fenced = false;
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] as string;
    if (line.startsWith('```')) fenced = !fenced;
    const next = lines[i + 1] as string;
    if (fenced || !line.startsWith('|') || !/^\|[\s:|-]+\|\s*$/.test(next) || !next.includes('-')) continue;
    if (cells(line) !== cells(next)) broken.push([i + 1, cells(line), cells(next)]);
  }
  return broken;
}

describe('root README', () => {
  const readme = read('README.md');

  it('gives the demo line and the test line, and CI runs the test line', () => {
    const demo = 'npx -y pnpm@12.21.0 install && npx -y pnpm@12.21.0 demo';
    const test = 'npx -y pnpm@12.21.0 install && npx -y pnpm@12.21.0 test';
    expect(readme).toContain(`\n${demo}\n`);
    expect(readme).toContain(`\n${test}\n`);
    expect(read('.ci/run')).toMatch(/\n"\$\{PNPM\[@\]\}" install && "\$\{PNPM\[@\]\}" test\n/);
    expect(read('.ci/run')).toContain('PNPM=(npx -y pnpm@12.21.0)');
  });

  it('lists every package, linked to its README', () => {
    const listed = section(readme, 'Packages');
    expect(packages.length).toBeGreaterThan(0);
    for (const name of packages) {
      expect(listed).toContain(`[\`@scopegate/${name}\`](packages/${name}/README.md)`);
      expect(existsSync(join(root, 'packages', name, 'README.md'))).toBe(true);
    }
  });

  it('quotes the benchmark report under its own heading', () => {
    expect(section(readme, 'Performance')).toContain('(docs/benchmarks.md)');
  });
});

describe('Markdown tables', () => {
  const docs = [
    'README.md',
    ...packages.map((name) => `packages/${name}/README.md`),
    ...readdirSync(join(root, 'docs'))
      .filter((file) => file.endsWith('.md'))
      .map((file) => `docs/${file}`),
  ].filter((path) => existsSync(join(root, path)));

  it.each(docs)('%s: every header row has as many cells as its separator row', (path) => {
    expect(brokenTables(read(path))).toEqual([]);
  });

  it('the check finds a table whose header and separator disagree', () => {
    expect(brokenTables('| a | b | c |\n| --- | --- |\n| 1 | 2 |\n')).toEqual([[1, 3, 2]]);
    expect(brokenTables('| a `x|y` | b |\n| --- | --- |\n')).toEqual([]);
    expect(brokenTables('```\n| a | b | c |\n| --- | --- |\n```\n')).toEqual([]);
  });
});
