import { IssuerMismatchError } from '../errors.js';
import type { KeySource } from './key-source.js';

/**
 * One key source per issuer, for a verifier configured with several issuers
 * and discovery: a token's keys come only from the issuer its `iss` names,
 * so one issuer's keys can never vouch for a token claiming another issuer.
 * The `iss` used for routing is unverified; the signature check with that
 * issuer's key, and the claim checks after it, are what make it trusted.
 */
export function createIssuerKeySources(sources: ReadonlyMap<string, KeySource>): KeySource {
  return {
    getKey(header, issuer) {
      const source = issuer === undefined ? undefined : sources.get(issuer);
      if (source === undefined) throw new IssuerMismatchError();
      return source.getKey(header);
    },
    async warmup() {
      await Promise.all([...sources.values()].map((source) => source.warmup()));
    },
  };
}
