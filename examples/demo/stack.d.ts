/** Types of the demo stack (the implementation is plain JavaScript). */
import type { VerifierOptions } from '@scopegate/core';
import type { AuthorizationServer } from '../authorization-server/index.js';

export interface Api {
  name: 'express' | 'fastify' | 'gateway';
  url: string;
}

export interface Stack {
  as: AuthorizationServer;
  apis: Api[];
  close(): Promise<void>;
}

export declare function startStack(options?: {
  log?: (line: string) => void;
  verifier?: Partial<VerifierOptions>;
}): Promise<Stack>;
