import type { RedisStoreOptions } from '@scopegate/redis';
import { describe, expectTypeOf, it } from 'vitest';
import type { REDIS_STORE_OPTION_KEYS } from '../src/redis-store.js';

describe('public types', () => {
  // Adding an option to RedisStoreOptions without adding it to the list
  // (which would make it refused at runtime) fails here.
  it('the known-option list holds exactly the option names of RedisStoreOptions', () => {
    expectTypeOf<(typeof REDIS_STORE_OPTION_KEYS)[number]>().toEqualTypeOf<keyof RedisStoreOptions>();
  });
});
