/**
 * Option checks: a misspelt option or a value of the wrong type is a
 * TypeError naming it, never a token other than the one the test meant.
 */
import { describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuerOptions } from '../src/index.js';
import { TEST_ISSUER_OPTION_NAMES } from '../src/test-issuer.js';

const create = (options: Record<string, unknown>) => createTestIssuer(options as TestIssuerOptions);

describe('createTestIssuer options', () => {
  it('refuses an unknown option name, listing the accepted ones', async () => {
    await expect(create({ expiresIn: 60 })).rejects.toThrow(
      `@scopegate/testing: createTestIssuer(): unknown option "expiresIn"; accepted: ${TEST_ISSUER_OPTION_NAMES.join(', ')}`,
    );
  });

  it.each([
    [{ issuer: '' }, /`issuer` must be a non-empty string/],
    [{ audience: [] }, /`audience` must be a non-empty string or a non-empty array/],
    [{ audience: ['a', 5] }, /`audience`/],
    [{ alg: 'HS256' }, /`alg` must be one of RS256, /],
    [{ alg: 'none' }, /`alg`/],
    [{ kid: 5 }, /`kid`/],
    [{ typ: '' }, /`typ`/],
    [{ expiresInSec: 0 }, /`expiresInSec` must be a positive number/],
    [{ expiresInSec: '300' }, /`expiresInSec`/],
    [{ now: 5 }, /`now` must be a function/],
    [{ profile: 'azure' }, /`profile` must be one of generic, hydra/],
  ])('refuses %j', async (options, message) => {
    await expect(create(options)).rejects.toThrow(TypeError);
    await expect(create(options)).rejects.toThrow(message);
  });

  it('refuses options that are not an object', async () => {
    await expect(createTestIssuer('RS256' as never)).rejects.toThrow(/options must be an object/);
  });
});

describe('minting options', () => {
  it.each([
    [{ expiresIn: 60 }, /clientToken\(\): unknown option "expiresIn"/],
    [{ expiresInSec: Number.POSITIVE_INFINITY }, /`expiresInSec` must be a finite number/],
    [{ notBeforeSec: '5' }, /`notBeforeSec`/],
    [{ header: { alg: 'HS256' } }, /`header` cannot set `alg`/],
    [{ header: 'x' }, /`header` must be an object/],
    [{ omit: ['sub'] }, /`omit` must list claims among iss, aud, iat, exp, jti/],
    [{ omit: 'exp' }, /`omit`/],
    [{ kid: '' }, /`kid`/],
  ])('clientToken refuses %j', async (options, message) => {
    const idp = await issuer;
    await expect(idp.clientToken('svc', undefined, undefined, options as never)).rejects.toThrow(message);
  });

  it('userToken accepts clientId, the others do not', async () => {
    const idp = await issuer;
    await expect(idp.userToken('alice', undefined, undefined, { clientId: 'app' })).resolves.toMatch(/^ey/);
    await expect(idp.sign({}, { clientId: 'app' } as never)).rejects.toThrow(
      /sign\(\): unknown option "clientId"/,
    );
    await expect(idp.userToken('alice', undefined, undefined, { clientId: '' })).rejects.toThrow(
      /`clientId`/,
    );
  });

  it('refuses a missing client id or subject, bad scopes and bad claims', async () => {
    const idp = await issuer;
    await expect(idp.clientToken('')).rejects.toThrow(
      /clientToken\(\): the client id must be a non-empty string/,
    );
    await expect(idp.userToken(undefined as never)).rejects.toThrow(/userToken\(\): the subject/);
    await expect(idp.clientToken('svc', 5 as never)).rejects.toThrow(/scopes must be a string or an array/);
    await expect(idp.clientToken('svc', ['a', 5] as never)).rejects.toThrow(/scopes must be/);
    await expect(idp.clientToken('svc', 'a', [] as never)).rejects.toThrow(/claims must be an object/);
    await expect(idp.sign('x' as never)).rejects.toThrow(/claims must be an object/);
  });

  it('rotateKeys refuses unknown names and wrong types', async () => {
    const idp = await issuer;
    await expect(idp.rotateKeys({ keepOldKeys: false } as never)).rejects.toThrow(
      /unknown option "keepOldKeys"/,
    );
    await expect(idp.rotateKeys({ keepOld: 'no' } as never)).rejects.toThrow(/`keepOld` must be a boolean/);
    await expect(idp.rotateKeys({ alg: 'HS256' } as never)).rejects.toThrow(/`alg` must be one of/);
  });
});

const issuer = createTestIssuer({ alg: 'ES256' });
