/** Types of the example Express API (the implementation is plain JavaScript). */

import type { RequestListener } from 'node:http';
import type { VerifierOptions } from '@scopegate/core';

export interface ApiConfig {
  issuer: string;
  audience: string;
  adminUrl?: string;
  defaultPerMinute?: number;
  port?: number;
  host?: string;
  /** Extra scopegate VerifierOptions (tests). */
  verifier?: Partial<VerifierOptions>;
}

export interface RunningApi {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export declare function configFromEnv(env?: Record<string, string | undefined>): ApiConfig;
/** The Express application (typed structurally: a Node.js request listener). */
export declare function createApp(config: ApiConfig): RequestListener;
export declare function start(config: ApiConfig): Promise<RunningApi>;
