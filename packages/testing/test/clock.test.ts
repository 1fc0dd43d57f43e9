/**
 * Clocks: `now` drives iat/exp/nbf, and verifierOptions hands the same clock
 * to the verifier, so a test that moves time moves it for both; without
 * `now`, Date.now is read at each mint, so vitest's fake timers apply.
 */
import { createVerifier } from '@scopegate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestIssuer } from '../src/index.js';
import { decode, expectRefused } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('now option', () => {
  it('sets iat and exp, and is passed on as the verifier clock', async () => {
    let clock = 1_600_000_000_500; // 2020, long before the real now
    const now = () => clock;
    const idp = await createTestIssuer({ now, alg: 'ES256' });
    expect(idp.verifierOptions.now).toBe(now);

    const token = await idp.clientToken('svc', 'data:read');
    expect(decode(token).payload).toMatchObject({ iat: 1_600_000_000, exp: 1_600_000_300 });

    const verifier = createVerifier({ ...idp.verifierOptions });
    await expect(verifier.verify(token)).resolves.toMatchObject({ expiresAt: 1_600_000_300 });
    // by the real clock it expired years ago
    const { now: _, ...realClock } = idp.verifierOptions;
    await expectRefused(createVerifier(realClock).verify(token), 'exp');

    // moving the shared clock past exp + the 5 s tolerance expires it for the verifier too
    clock += 305_000;
    await expectRefused(verifier.verify(token), 'exp');
    // and a token minted now is fresh again
    await expect(verifier.verify(await idp.clientToken('svc'))).resolves.toBeDefined();
  });

  it('invalid tokens are relative to the same clock', async () => {
    const clock = 1_600_000_000_000;
    const idp = await createTestIssuer({ now: () => clock, alg: 'ES256' });
    const verifier = createVerifier({ ...idp.verifierOptions });
    await expectRefused(verifier.verify(await idp.invalidToken('expired')), 'exp');
    await expectRefused(verifier.verify(await idp.invalidToken('not-yet-valid')), 'nbf');
    expect(decode(await idp.invalidToken('expired')).payload.exp).toBe(1_600_000_000 - 600);
  });

  it('notBeforeSec is relative to the clock', async () => {
    const idp = await createTestIssuer({ now: () => 1_600_000_000_999, alg: 'ES256' });
    const token = await idp.clientToken('svc', undefined, undefined, { notBeforeSec: 60 });
    expect(decode(token).payload).toMatchObject({ iat: 1_600_000_000, nbf: 1_600_000_060 });
    await expectRefused(createVerifier({ ...idp.verifierOptions }).verify(token), 'nbf');
  });

  it('a clock that returns something other than a finite number fails the mint', async () => {
    const idp = await createTestIssuer({ now: () => Number.NaN, alg: 'ES256' });
    await expect(idp.clientToken('svc')).rejects.toThrow(/`now` clock must return a finite number/);
    await expect(idp.invalidToken('expired')).rejects.toThrow(TypeError);
  });

  it('without now, verifierOptions has no clock', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    expect(idp.verifierOptions).not.toHaveProperty('now');
  });
});

describe('default clock', () => {
  it('follows vitest fake timers (Date.now is read at each mint)', async () => {
    const idp = await createTestIssuer({ alg: 'ES256' });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const token = await idp.clientToken('svc');
    expect(decode(token).payload.iat).toBe(Date.UTC(2030, 0, 1) / 1000);
    // the verifier reads the same faked Date.now
    const verifier = createVerifier({ ...idp.verifierOptions });
    await expect(verifier.verify(token)).resolves.toBeDefined();
    vi.setSystemTime(new Date('2030-01-01T00:05:06Z'));
    await expectRefused(verifier.verify(token), 'exp');
  });

  it('a verifier created before vi.useFakeTimers() keeps the real clock, unless given the issuer clock', async () => {
    // scopegate reads the clock through the Date.now it captured when the verifier was created
    const idp = await createTestIssuer({ alg: 'ES256' });
    const early = createVerifier({ ...idp.verifierOptions });
    const clocked = await createTestIssuer({ alg: 'ES256', now: () => Date.now() });
    const earlyWithNow = createVerifier({ ...clocked.verifierOptions });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2020-01-01T00:00:00Z'));
    const token = await idp.clientToken('svc');
    expect(decode(token).payload.iat).toBe(Date.UTC(2020, 0, 1) / 1000);
    // by the real clock, a token of 2020 expired long ago
    await expectRefused(early.verify(token), 'exp');
    // created after vi.useFakeTimers(): the fake clock
    await expect(createVerifier({ ...idp.verifierOptions }).verify(token)).resolves.toBeDefined();
    // given the issuer's now (which reads Date.now at each call): the fake clock too
    await expect(earlyWithNow.verify(await clocked.clientToken('svc'))).resolves.toBeDefined();
  });
});
