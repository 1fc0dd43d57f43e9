// HTTP benchmarks: servers run in child processes on loopback; autocannon
// drives them from this process with 10 connections. Latencies are taken from
// autocannon's per-response durations (float milliseconds), so p50/p99 keep
// sub-millisecond resolution.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { serverCommand } from './pinning.js';

const serverScript = fileURLToPath(new URL('./servers.js', import.meta.url));

/** Starts one server variant in a child process; resolves `{ url, stop }`. */
export function startServer(variant, config) {
  return new Promise((resolve, reject) => {
    const { command, args } = serverCommand([serverScript, variant]);
    const child = spawn(command, args, {
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${variant} did not start`));
    }, 15_000);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const port = Number(line.split(' ')[1]);
      resolve({
        url: `http://127.0.0.1:${port}/data`,
        /** The server's CPU time so far (`cpuUs`, microseconds) and its minor page faults. */
        usage: () =>
          new Promise((done) => {
            lines.once('line', (reply) => {
              const [, cpuUs, pageFaults] = reply.split(' ').map(Number);
              done({ cpuUs, pageFaults });
            });
            child.kill('SIGUSR2');
          }),
        stop: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${variant} exited with ${code}`));
    });
  });
}

const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/**
 * Loads `url` with either one repeated token or a distinct token per request.
 * @returns {Promise<{ rps: number, requests: number, p50: number, p99: number, non2xx: number }>}
 */
export function load(url, { token, tokens, durationSec = 2, connections = 10 }) {
  const latencies = [];
  let next = 0;
  const options = {
    url,
    connections,
    // autocannon only notices the end of a run on its sample tick; a short tick
    // keeps the run short. Timing below does not depend on it.
    sampleInt: 100,
    ...(tokens
      ? {
          amount: tokens.length,
          requests: [
            {
              setupRequest(request) {
                request.headers = {
                  ...request.headers,
                  authorization: `Bearer ${tokens[next++ % tokens.length]}`,
                };
                return request;
              },
            },
          ],
        }
      : { duration: durationSec, headers: token ? { authorization: `Bearer ${token}` } : {} }),
  };
  return new Promise((resolve, reject) => {
    // autocannon ends a run on its sample tick, so its own clock (and the
    // wall time to its callback) is coarse and includes an idle tail: rates
    // are counted from launch to the last response instead.
    const start = process.hrtime.bigint();
    let last = start;
    const instance = autocannon(options, (error, result) => {
      if (error) return reject(error);
      const seconds = Number(last - start) / 1e9;
      latencies.sort((a, b) => a - b);
      resolve({
        rps: latencies.length / seconds,
        requests: latencies.length,
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        non2xx: result.non2xx + result.errors + result.timeouts,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      last = process.hrtime.bigint();
    });
  });
}
