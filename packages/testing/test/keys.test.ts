/**
 * Keys: the published JWK Set holds public members only, for every
 * algorithm (a leaked `d` would let anyone sign); `kid` is the RFC 7638
 * thumbprint unless given; rotation with and without the old key, through
 * the real verifier; and no rendering of an issuer (util.inspect,
 * JSON.stringify) shows private key material.
 */

import { inspect } from 'node:util';
import { createVerifier } from '@scopegate/core';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from 'jose';
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

const PRIVATE_MEMBER = new RegExp(`(?:^|[\\s{,"'])(?:${PRIVATE_MEMBERS.join('|')})["']?\\s*:`, 'm');

/** What in `text` looks like private key material: a private JWK member, a PEM, a key object. */
function privateMaterial(text: string): string[] {
  const found: string[] = [];
  if (PRIVATE_MEMBER.test(text)) found.push('a private JWK member');
  if (/-----BEGIN|PRIVATE KEY/.test(text)) found.push('a PEM');
  if (/CryptoKey|KeyObject|'private'|"private"/.test(text)) found.push('a key object');
  return found;
}

/** The issuer as a test log or snapshot would show it. */
const renderings = (value: object): Record<string, string> => ({
  inspect: inspect(value, { depth: 10 }),
  'inspect (hidden, getters)': inspect(value, { depth: 10, showHidden: true, getters: true }),
  'JSON.stringify': JSON.stringify(value),
});

describe('the private-material check', () => {
  it.each(TEST_ALGORITHMS)('finds a %s private key in every rendering', async (alg) => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const pem = await exportPKCS8(privateKey);
    for (const value of [{ jwk }, { pem }, { privateKey }, { nested: { deeper: { jwk } } }])
      for (const [how, text] of Object.entries(renderings(value)))
        if (!(how === 'JSON.stringify' && 'privateKey' in value))
          expect(privateMaterial(text), `${how} of ${Object.keys(value)}`).not.toEqual([]);
    // and not in the public half
    for (const text of Object.values(renderings({ jwk: await exportJWK(publicKey) })))
      expect(privateMaterial(text)).toEqual([]);
  });
});

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

  it('util.inspect and JSON.stringify of the issuer, and of a listening one, show no private key material', async () => {
    const server = await idp.listen();
    try {
      for (const [name, issuer] of [
        ['issuer', idp],
        ['listening issuer', server],
      ] as const) {
        for (const [how, text] of Object.entries(renderings(issuer))) {
          expect(privateMaterial(text), `${how} of the ${name}`).toEqual([]);
          // and they did render the issuer
          expect(text, `${how} of the ${name}`).toContain(issuer.issuer);
        }
        expect(JSON.stringify(issuer)).toContain(JSON.stringify(idp.jwks.keys[0]));
      }
    } finally {
      await server.close();
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
