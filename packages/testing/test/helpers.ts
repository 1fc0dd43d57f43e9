/** Shared assertions: what scopegate's real verifier says about a token. */
import { createVerifier, isScopegateError, type ScopegateError, type VerifierOptions } from '@scopegate/core';
import { expect } from 'vitest';

/** The ScopegateError `promise` rejects with (fails the test when it resolves or rejects with anything else). */
export async function refusal(promise: Promise<unknown>): Promise<ScopegateError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (outcome === undefined) throw new Error('expected the token to be refused, but it was accepted');
  if (!isScopegateError(outcome)) throw outcome;
  return outcome;
}

/** Verifies `token` with a fresh verifier (no cache shared between tests). */
export function verify(options: VerifierOptions, token: string) {
  return createVerifier({ ...options }).verify(token);
}

/** Asserts a 401 invalid_token refusal with this reason. */
export async function expectRefused(promise: Promise<unknown>, reason: string): Promise<ScopegateError> {
  const error = await refusal(promise);
  expect({ status: error.status, code: error.code, reason: error.reason }).toEqual({
    status: 401,
    code: 'invalid_token',
    reason,
  });
  return error;
}

/** The decoded protected header and payload of a compact JWS. */
export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  const json = (segment: string | undefined) =>
    JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
  return { header: json(header), payload: json(payload) };
}
