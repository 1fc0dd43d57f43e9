import { CLAIM_METADATA_OPTION_NAMES, checkOptionNames } from '../option-names.js';
import type { ClientMetadata, ClientMetadataSource, VerifiedToken } from '../types.js';
import { RATE_LIMIT_METADATA_KEY } from './metadata.js';

/** Options of {@link claimMetadata}. */
export interface ClaimMetadataOptions {
  /**
   * Name of the token claim carrying the metadata. Default `"ext"`, where Ory
   * Hydra puts extra claims a token hook or consent adds (e.g. a copy of the
   * client's `metadata`).
   */
  claim?: string;
}

/**
 * A {@link ClientMetadataSource} that reads the limit from the verified token
 * itself, for issuers that copy client metadata into their tokens. No network,
 * no cache. The claim may hold:
 * - an object with `rate_limit_per_minute` (`"ext": { "rate_limit_per_minute": 600 }`),
 * - an object with a `metadata` object holding it (`"ext": { "metadata": { ... } }`),
 * - the number itself (`claim: 'rate_limit_per_minute'` with `"rate_limit_per_minute": 600`).
 *
 * Only use it when the issuer, not the client, decides that claim's content:
 * the value is trusted because the token's signature was verified.
 */
export function claimMetadata(options: ClaimMetadataOptions = {}): ClientMetadataSource {
  checkOptionNames(options, CLAIM_METADATA_OPTION_NAMES, 'claimMetadata()');
  const claim = options.claim ?? 'ext';
  return (_clientId: string, auth: VerifiedToken): ClientMetadata | undefined => {
    if (!Object.hasOwn(auth.claims, claim)) return undefined;
    const value = auth.claims[claim];
    if (typeof value === 'number' || typeof value === 'string') {
      // The claim is the limit itself; validation happens where every source's value is checked.
      return { [RATE_LIMIT_METADATA_KEY]: value as number };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const record = value as { readonly [key: string]: unknown };
    if (Object.hasOwn(record, RATE_LIMIT_METADATA_KEY)) return record as ClientMetadata;
    const nested = record['metadata'];
    if (typeof nested === 'object' && nested !== null && !Array.isArray(nested))
      return nested as ClientMetadata;
    return undefined;
  };
}
