/** Types of the example worker (the implementation is plain JavaScript). */
import type { TokenClient } from '@scopegate/client';

export interface WorkerOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Default `'data:read data:write'`. */
  scope?: string;
  resource?: string;
  /** Default `'client_secret_basic'`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface Worker {
  client: TokenClient;
  counters: { tokenRequests: number; discoveryRequests: number };
}

export interface SyncResult {
  api: string;
  method: string;
  path: string;
  status: number;
}

export declare const SYNC_CALLS: readonly { method: string; path: string }[];
export declare function createWorkerClient(options: WorkerOptions): Worker;
export declare function runSync(
  worker: Worker,
  options: { apis: readonly { name: string; url: string }[]; rounds?: number; log?: (line: string) => void },
): Promise<{ tokensRequested: number; calls: number; results: SyncResult[] }>;
