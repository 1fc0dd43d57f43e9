/** Types of the demo's HTTP helper (the implementation is plain JavaScript). */
import type { AuthorizationServer, TokenResponseBody } from '../authorization-server/index.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  wwwAuthenticate: string | null;
}

export declare function request(
  url: string,
  options?: { method?: string; token?: string; authorization?: string; body?: unknown },
): Promise<HttpAnswer>;

export declare function clientCredentialsToken(
  as: AuthorizationServer,
  clientId: string,
  options?: { scope?: string; resource?: string },
): Promise<TokenResponseBody>;
