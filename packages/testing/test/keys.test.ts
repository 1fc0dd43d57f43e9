/**
 * Keys: the published JWK Set holds public members only, for every
 * algorithm (a leaked `d` would let anyone sign); `kid` is the RFC 7638
 * thumbprint unless given; rotation with and without the old key, through
 * the real verifier.
 */
import { createVerifier } from '@scopegate/core';
import { calculateJwkThumbprint } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestIssuer,
  type PublicJwk,
  type PublicJwkSet,
  TEST_ALGORITHMS,
  type TestIssuer,
} from '../src/index.js';
import { decode, expectRefused, verify } from './helpers.js';

const PUBLIC_MEMBERS: Record<PublicJwk['kty'], string[]> = {
  RSA: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
  EC: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
  OKP: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
};
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

describe.each(TEST_ALGORITHMS)('%s keys', (alg) => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ alg });
    await idp.rotateKeys();
    await idp.invalidToken('forged'); // generates the unpublished key too
  });

  it('the JWK Set has public members only, in every place it is exposed', async () => {
    const sets = [idp.jwks, idp.verifierOptions.jwks];
    const server = await idp.listen();
    try {
      sets.push(server.jwks, (await (await fetch(server.jwksUri)).json()) as PublicJwkSet);
    } finally {
      await server.close();
    }
    for (const set of sets) {
      expect(set.keys).toHaveLength(2);
      for (const key of set.keys) {
        expect(Object.keys(key).sort()).toEqual(PUBLIC_MEMBERS[key.kty]);
        for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
        expect(key).toMatchObject({ alg, use: 'sig' });
      }
    }
  });

  it('core accepts the set as public keys (it refuses any JWK with d)', () => {
    expect(() => createVerifier({ ...idp.verifierOptions })).not.toThrow();
  });

  it('kid defaults to the RFC 7638 thumbprint of the public key', async () => {
    for (const key of idp.jwks.keys) expect(key.kid).toBe(await calculateJwkThumbprint(key));
  });
});

describe('kid option', () => {
  it('names the first key; rotated keys get their thumbprint or the kid given', async () => {
    const idp = await createTestIssuer({ alg: 'ES256', kid: 'key-1' });
    expect(idp.kid).toBe('key-1');
    expect(decode(await idp.clientToken('svc')).header.kid).toBe('key-1');
    const second = await idp.rotateKeys();
    expect(second).toBe(await calculateJwkThumbprint(idp.jwks.keys[0] as PublicJwk));
    expect(await idp.rotateKeys({ kid: 'key-3' })).toBe('key-3');
    expect(idp.jwks.keys.map((key) => key.kid)).toEqual(['key-3', 'key-1', second]);
    await expect(idp.rotateKeys({ kid: 'key-1' })).rejects.toThrow(/already used/);
  });
});

describe('rotateKeys', () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ alg: 'ES256' });
  });

  it('keepOld (the default): the new key signs, tokens of the old key still verify', async () => {
    const oldKid = idp.kid;
    const oldToken = await idp.clientToken('svc', 'data:read');
    const newKid = await idp.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    expect(idp.kid).toBe(newKid);
    expect(idp.jwks.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    const newToken = await idp.clientToken('svc', 'data:read');
    expect(decode(newToken).header.kid).toBe(newKid);
    await expect(verify(idp.verifierOptions, oldToken)).resolves.toMatchObject({ clientId: 'svc' });
    await expect(verify(idp.verifierOptions, newToken)).resolves.toMatchObject({ clientId: 'svc' });
  });

  it('keepOld: false: the old keys leave the set and their tokens are refused (kid)', async () => {
    const oldKid = idp.kid;
    const oldToken = await idp.clientToken('svc');
    const newKid = await idp.rotateKeys({ keepOld: false });
    expect(idp.jwks.keys.map((key) => key.kid)).toEqual([newKid]);
    await expectRefused(verify(idp.verifierOptions, oldToken), 'kid');
    // a retired key still signs on request: a token of a key the issuer no longer publishes
    const retired = await idp.clientToken('svc', undefined, undefined, { kid: oldKid });
    expect(decode(retired).header.kid).toBe(oldKid);
    await expectRefused(verify(idp.verifierOptions, retired), 'kid');
    await expect(verify(idp.verifierOptions, await idp.clientToken('svc'))).resolves.toBeDefined();
  });

  it('can change the algorithm', async () => {
    const issuer = await createTestIssuer({ alg: 'ES256' });
    await issuer.rotateKeys({ alg: 'EdDSA' });
    expect(issuer.alg).toBe('EdDSA');
    expect(issuer.jwks.keys.map((key) => key.alg)).toEqual(['EdDSA', 'ES256']);
    const token = await issuer.clientToken('svc');
    expect(decode(token).header.alg).toBe('EdDSA');
    await expect(verify(issuer.verifierOptions, token)).resolves.toBeDefined();
  });

  it('the published set is frozen, and a new object after each rotation', async () => {
    const before = idp.jwks;
    expect(Object.isFrozen(before)).toBe(true);
    expect(Object.isFrozen(before.keys)).toBe(true);
    expect(Object.isFrozen(before.keys[0])).toBe(true);
    expect(idp.jwks).toBe(before);
    await idp.rotateKeys();
    expect(idp.jwks).not.toBe(before);
  });

  it('signing with a kid the issuer never had is a TypeError', async () => {
    await expect(idp.sign({}, { kid: 'nope' })).rejects.toThrow(/no key of this issuer has kid "nope"/);
  });
});
