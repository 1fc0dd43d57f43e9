/**
 * Shared helpers of the Redis tests: probing the shared Redis at
 * 127.0.0.1:6379, unique key prefixes, and private redis-server processes the
 * outage tests may kill.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisSendCommand } from '../src/index.js';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/** Resolves true when something at host:port answers PING with +PONG. */
export function pingRedis(
  port: number = REDIS_PORT,
  host: string = REDIS_HOST,
  timeoutMs = 1000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.connect(port, host, () => socket.write('PING\r\n'));
  });
}

/**
 * Whether the shared Redis answers. Without it the suites skip with a message,
 * except under CI (`process.env.CI` set), where a missing Redis must fail loudly.
 */
export async function requireSharedRedis(): Promise<boolean> {
  if (await pingRedis()) return true;
  const message = `No Redis answers at ${REDIS_HOST}:${REDIS_PORT}`;
  if (process.env.CI) {
    throw new Error(`${message}; the Redis tests cannot run (CI must start redis-server first).`);
  }
  console.warn(`${message}: skipping the @scopegate/redis tests. Start redis-server to run them.`);
  return false;
}

/** A key prefix unique to this test run, so parallel runs and other users of the Redis are untouched. */
export function uniquePrefix(): string {
  return `scopegate:test:${randomUUID()}:`;
}

/** A client of either library, with the `sendCommand` adapter the README shows for it. */
export interface TestClient {
  readonly name: 'ioredis' | 'node-redis';
  readonly sendCommand: RedisSendCommand;
  close(): Promise<void>;
}

/** Connection settings for a test client; reconnection is quick so recovery tests stay short. */
export interface ClientSettings {
  port?: number;
  /** Fail commands fast while disconnected instead of queueing them. */
  failFast?: boolean;
}

export async function connectIoredis(settings: ClientSettings = {}): Promise<TestClient> {
  const client = new Redis({
    host: REDIS_HOST,
    port: settings.port ?? REDIS_PORT,
    retryStrategy: (times) => Math.min(times * 50, 300),
    ...(settings.failFast ? { maxRetriesPerRequest: 0, enableOfflineQueue: false } : {}),
  });
  // Connection errors during outage tests are expected; without a listener ioredis logs each one.
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('ioredis could not connect')));
  });
  return {
    name: 'ioredis',
    sendCommand: (...args) => client.call(args[0] as string, ...args.slice(1)),
    close: async () => {
      client.disconnect();
    },
  };
}

export async function connectNodeRedis(settings: ClientSettings = {}): Promise<TestClient> {
  const client = createClient({
    socket: {
      host: REDIS_HOST,
      port: settings.port ?? REDIS_PORT,
      reconnectStrategy: (retries: number) => Math.min(retries * 50, 300),
    },
    ...(settings.failFast ? { disableOfflineQueue: true } : {}),
  });
  // node-redis throws on an 'error' event without listener; outages emit them.
  client.on('error', () => undefined);
  await client.connect();
  return {
    name: 'node-redis',
    sendCommand: (...args) => client.sendCommand(args),
    close: async () => {
      client.destroy();
    },
  };
}

export const clientFactories = [
  ['ioredis', connectIoredis],
  ['node-redis', connectNodeRedis],
] as const;

/** Deletes every key under `prefix` (SCAN, never KEYS, to stay polite on a shared server). */
export async function deleteKeys(sendCommand: RedisSendCommand, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const reply = (await sendCommand('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000')) as [
      string,
      string[],
    ];
    cursor = String(reply[0]);
    if (reply[1].length > 0) await sendCommand('DEL', ...reply[1]);
  } while (cursor !== '0');
}

/** Server time in epoch milliseconds, as the script computes it. */
export async function redisTimeMs(sendCommand: RedisSendCommand): Promise<number> {
  const [seconds, micros] = (await sendCommand('TIME')) as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** A free TCP port on loopback (bound and released; good enough for a test server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, REDIS_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server process of the test's own, on its own port, without persistence. */
export interface PrivateRedis {
  readonly port: number;
  /** Kills the process (SIGKILL: an outage, not a clean shutdown) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts a fresh process on the same port and waits until it answers. */
  restart(): Promise<void>;
}

export async function startPrivateRedis(port?: number): Promise<PrivateRedis> {
  const chosen = port ?? (await freePort());
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(
      'redis-server',
      ['--port', String(chosen), '--bind', REDIS_HOST, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const spawned = child;
    const failed = new Promise<never>((_, reject) => {
      spawned.once('error', (error) => reject(new Error(`cannot start redis-server: ${error.message}`)));
    });
    failed.catch(() => undefined);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await Promise.race([pingRedis(chosen, REDIS_HOST, 200), failed])) return;
      if (spawned.exitCode !== null) throw new Error(`redis-server exited with code ${spawned.exitCode}`);
      await sleep(50);
    }
    throw new Error(`redis-server on port ${chosen} did not come up`);
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  return { port: chosen, kill, restart: start };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * HGETALL as `[field, value]` pairs: ioredis replies with a flat array,
 * node-redis v6 with an object even through `sendCommand`.
 */
export async function hashEntries(sendCommand: RedisSendCommand, key: string): Promise<[string, string][]> {
  const reply = await sendCommand('HGETALL', key);
  if (Array.isArray(reply)) {
    const entries: [string, string][] = [];
    for (let i = 0; i < reply.length; i += 2) entries.push([String(reply[i]), String(reply[i + 1])]);
    return entries;
  }
  return Object.entries(reply as Record<string, unknown>).map(([field, value]) => [field, String(value)]);
}
