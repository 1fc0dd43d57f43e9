#!/usr/bin/env node
/**
 * `pnpm demo`: starts the example authorization server, both APIs and the
 * gateway on loopback, runs the scenario (scenario.js) and narrates it.
 * Exits 0 only when every step behaved as expected.
 */
import { prepareScenario, runScenario, steps } from './scenario.js';
import { startStack } from './stack.js';

/** Hard limit for the whole run; the scenario needs well under half of it. */
const DEADLINE_MS = 30_000;
/** After shutdown, anything still holding the event loop gets this long. */
const EXIT_GRACE_MS = 2_000;

const useColour = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code) => (text) => (useColour ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');

const out = (line = '') => process.stdout.write(`${line}\n`);

/** Pads every column to its widest cell so rows line up. */
function table(rows, indent = '      ') {
  const widths = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map(
    (row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '),
  );
}

const startedAt = Date.now();
let stack;
let exitCode = 1;

const deadline = setTimeout(() => {
  out(red(`demo did not finish within ${DEADLINE_MS / 1000} s`));
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

try {
  out(bold('scopegate demo: machine-to-machine OAuth 2.0 against a real authorization server'));
  out();
  stack = await startStack();
  const services = table(
    [
      [
        'authorization server',
        stack.as.issuer,
        dim('(oidc-provider, client_credentials, RFC 9068 JWT access tokens)'),
      ],
      ['  admin API', stack.as.adminUrl, dim('(Hydra-style client records with rate_limit_per_minute)')],
      ...stack.apis.map((api) => [
        api.name === 'gateway' ? 'gateway' : `${api.name} API`,
        api.url,
        dim(
          api.name === 'gateway'
            ? '(node:http reverse proxy, verifier.authorize())'
            : `(@scopegate/${api.name})`,
        ),
      ]),
      ['audience', stack.as.audience, ''],
    ],
    '  ',
  );
  for (const line of services) out(line);
  out();

  const ctx = await prepareScenario(stack);
  const outcomes = await runScenario(ctx, {
    onStep(step, result, index) {
      const passed = result.failures.length === 0;
      const mark = passed ? green('✔') : red('✘');
      const counter = dim(`${index + 1}/${steps.length}`);
      out(`${mark} ${counter}  ${bold(step.title)}  ${dim(`${result.ms} ms`)}`);
      out(`      ${dim('expect:')} ${step.expected}`);
      for (const line of table(result.rows)) out(line);
      for (const note of result.notes) out(`      ${cyan(note)}`);
      for (const failure of result.failures) out(`      ${red(`unexpected: ${failure}`)}`);
      out();
    },
  });

  const failed = outcomes.filter((o) => o.result.failures.length > 0);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  if (failed.length === 0) {
    out(green(bold(`All ${outcomes.length} steps behaved as expected (${seconds} s).`)));
    exitCode = 0;
  } else {
    out(
      red(
        bold(
          `${failed.length} of ${outcomes.length} steps did not behave as expected (${seconds} s): ${failed.map((o) => o.step.id).join(', ')}`,
        ),
      ),
    );
  }
} catch (error) {
  out(red(`demo failed: ${error?.stack ?? error}`));
} finally {
  await stack?.close();
  clearTimeout(deadline);
  process.exitCode = exitCode;
  // Everything is closed; if some handle still keeps the loop alive, do not hang.
  setTimeout(() => process.exit(exitCode), EXIT_GRACE_MS).unref();
}
