export * from './errors.js';
export { importVerificationKey, isSigningKey } from './keys/import-key.js';
export { KeySet } from './keys/key-set.js';
export type { KeySource, VerificationKey } from './keys/key-source.js';
export { createSecretKeySource, createStaticKeySource } from './keys/static-key-source.js';
export type * from './types.js';
