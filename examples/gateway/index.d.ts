/** Types of the example gateway (the implementation is plain JavaScript). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthorizeRequirement, Verifier, VerifierOptions } from '@scopegate/core';

export interface GatewayConfig {
  issuer: string;
  audience: string;
  /** Default: the bundled upstream is started. */
  upstreamUrl?: string;
  adminUrl?: string;
  defaultPerMinute?: number;
  port?: number;
  host?: string;
  /** Extra scopegate VerifierOptions (tests). */
  verifier?: Partial<VerifierOptions>;
}

export interface GatewayRoute {
  method: string;
  path: string;
  public?: boolean;
  requirement?: AuthorizeRequirement;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly upstreamUrl: string;
  readonly verifier: Verifier;
  close(): Promise<void>;
}

export declare const ROUTES: readonly GatewayRoute[];
export declare function configFromEnv(env?: Record<string, string | undefined>): GatewayConfig;
export declare function createGateway(config: GatewayConfig & { upstreamUrl: string }): {
  handler(req: IncomingMessage, res: ServerResponse): Promise<void>;
  verifier: Verifier;
  close(): Promise<void>;
};
export declare function start(config: GatewayConfig): Promise<RunningGateway>;
export declare function startUpstream(options?: { port?: number; host?: string }): Promise<{
  url: string;
  close(): Promise<void>;
}>;
