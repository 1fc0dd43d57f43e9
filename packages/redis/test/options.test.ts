/**
 * Unknown option names: createRedisStore refuses any key that is not a
 * RedisStoreOptions name with core's ConfigurationError, naming the key
 * (with the likely intended name) and never the value. No Redis needed.
 */
import { ConfigurationError } from '@scopegate/core';
import { describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStoreOptions } from '../src/index.js';
import { REDIS_STORE_OPTION_KEYS } from '../src/redis-store.js';

const sendCommand = async () => [1, 0, 1];
const secret = 'do-not-echo-this-value';

/** The ConfigurationError `create` throws (fails the test when it does not throw one). */
function configurationError(create: () => unknown): ConfigurationError {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ status: 500, reason: 'misconfigured' });
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

const create = (extra: Record<string, unknown>) => () =>
  createRedisStore({ sendCommand, ...extra } as unknown as RedisStoreOptions);

describe('createRedisStore unknown option names', () => {
  it('refuses an unknown option, naming it and not its value', () => {
    const error = configurationError(create({ password: secret }));
    expect(error.message).toBe(
      `scopegate: createRedisStore(): unknown option \`password\`; accepted: ${REDIS_STORE_OPTION_KEYS.join(', ')}`,
    );
    expect(error.message).not.toContain(secret);
  });

  it.each([
    ['timeoutMS', 'timeoutMs'],
    ['timeout_ms', 'timeoutMs'],
    ['onErorr', 'onError'],
    ['prefx', 'prefix'],
    ['retryAfterSecond', 'retryAfterSeconds'],
    ['OnEvent', 'onEvent'],
  ])('suggests the close name for %s', (key, suggestion) => {
    const error = configurationError(create({ [key]: secret }));
    expect(error.message).toContain(
      `createRedisStore(): unknown option \`${key}\` (did you mean \`${suggestion}\`?)`,
    );
    expect(error.message).not.toContain(secret);
  });

  it('reports a misspelt sendCommand as unknown, not as missing', () => {
    const error = configurationError(() => createRedisStore({ sendCommnd: sendCommand } as never));
    expect(error.message).toContain('unknown option `sendCommnd` (did you mean `sendCommand`?)');
  });

  it('makes no suggestion for a name far from every option', () => {
    expect(configurationError(create({ db: 1 })).message).toContain('unknown option `db`; accepted:');
  });

  it('refuses an unknown key even when its value is undefined', () => {
    expect(configurationError(create({ timeoutMS: undefined })).message).toMatch(
      /unknown option `timeoutMS`/,
    );
  });

  it('names every unknown key at once', () => {
    expect(configurationError(create({ onErorr: 'reject', host: secret })).message).toContain(
      'unknown options `onErorr` (did you mean `onError`?), `host`; accepted:',
    );
  });

  it('ignores symbol keys and inherited properties', () => {
    const options = Object.assign(Object.create({ colour: 'red' }), { sendCommand, [Symbol('tag')]: 1 });
    expect(() => createRedisStore(options)).not.toThrow();
  });

  it('accepts every documented option, undefined values included', () => {
    const all: Required<RedisStoreOptions> = {
      sendCommand,
      prefix: 'p:',
      timeoutMs: 50,
      onError: 'reject',
      retryAfterSeconds: 1,
      onEvent: () => undefined,
    };
    expect(() => createRedisStore(all)).not.toThrow();
    // `all` (complete by its type) covers exactly the list of accepted names.
    expect(Object.keys(all).sort()).toEqual([...REDIS_STORE_OPTION_KEYS].sort());
    expect(() =>
      createRedisStore({ sendCommand, prefix: undefined, timeoutMs: undefined, onEvent: undefined }),
    ).not.toThrow();
  });
});
