/** Types of the example Fastify API (the implementation is plain JavaScript). */
import type { VerifierOptions } from '@scopegate/core';
import type { FastifyInstance } from 'fastify';

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
export declare function createApp(config: ApiConfig): Promise<FastifyInstance>;
export declare function start(config: ApiConfig): Promise<RunningApi>;
