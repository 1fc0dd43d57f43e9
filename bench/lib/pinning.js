// CPU pinning: on a machine with few cores the load generator (this process)
// and the server under test otherwise fight for the same core, and each run
// lands differently. With `taskset` and at least two CPUs, this process stays
// on CPU 0 and every server (with its GC and libuv threads) on CPU 1, so the
// server's figures are those of one whole core. Without it, nothing is pinned.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

function detect() {
  if (process.platform !== 'linux' || os.cpus().length < 2 || process.env.BENCH_NO_PIN === '1') return null;
  try {
    // The server CPU must be usable here (a cpuset may hide it although os.cpus() lists it).
    execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' });
    // -a: every thread of this process (V8's and libuv's too), not only the main one.
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return { generator: 0, server: 1 };
  } catch {
    return null;
  }
}

/** `{ generator, server }` CPU numbers when pinning is on (this process is then already on `generator`), else `null`. */
export const pinning = detect();

/** The command and arguments that start `node <args>` on the server CPU (or unpinned). */
export function serverCommand(args) {
  // BENCH_SERVER_FLAGS: extra node flags for the servers only (e.g. "--cpu-prof --cpu-prof-dir=prof"
  // to profile them; NODE_OPTIONS cannot carry --cpu-prof).
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  return pinning
    ? { command: 'taskset', args: ['-c', String(pinning.server), process.execPath, ...flags, ...args] }
    : { command: process.execPath, args: [...flags, ...args] };
}
