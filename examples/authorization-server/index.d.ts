/** Types of the example authorization server (the implementation is plain JavaScript). */

export interface ExampleClient {
  client_id: string;
  client_secret: string;
  scope: string;
  metadata?: { rate_limit_per_minute?: number; access_token_ttl_seconds?: number; [key: string]: unknown };
  grant_types?: string[];
  response_types?: string[];
  redirect_uris?: string[];
}

export interface UserTokenParams {
  /** Default `'user-alice'`. */
  sub?: string;
  /** Default `'dashboard'`. */
  clientId?: string;
  /** Default `'data:read'`. */
  scope?: string;
  /** Default {@link API_AUDIENCE}. */
  resource?: string;
}

export interface TokenResponseBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

export interface AuthorizationServer {
  readonly issuer: string;
  readonly url: string;
  readonly adminUrl: string;
  readonly tokenUrl: string;
  readonly jwksUri: string;
  readonly providerIntrospectionUrl: string;
  readonly introspectionUrl: string;
  readonly audience: string;
  readonly otherAudience: string;
  readonly clients: readonly ExampleClient[];
  readonly currentKid: string;
  readonly publishedKids: readonly string[];
  tokenRequestCount(clientId?: string): number;
  rotateKeys(options?: { keep?: number }): Promise<{ kid: string; previousKid: string }>;
  mintUserToken(params?: UserTokenParams): Promise<TokenResponseBody>;
  close(): Promise<void>;
}

export interface AuthorizationServerOptions {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 0 (ephemeral). */
  adminPort?: number;
  /** Default `'127.0.0.1'`. */
  host?: string;
  /** Default {@link DEMO_CLIENTS}. */
  clients?: readonly ExampleClient[];
  /** Default: silent. */
  log?: (line: string) => void;
}

export declare const API_AUDIENCE: string;
export declare const OTHER_AUDIENCE: string;
export declare const RESOURCES: Readonly<Record<string, { scope: string }>>;
export declare const DEMO_CLIENTS: readonly ExampleClient[];
export declare function startAuthorizationServer(
  options?: AuthorizationServerOptions,
): Promise<AuthorizationServer>;
