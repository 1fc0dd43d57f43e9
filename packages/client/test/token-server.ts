/**
 * A local token endpoint for the tests: node:http on 127.0.0.1:0, recording
 * every request (decoding client credentials exactly as RFC 6749 §2.3.1
 * prescribes) and answering whatever the current handler says: tokens,
 * OAuth errors, 5xx, slow answers, garbage.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
  /** How the client authenticated, decoded per RFC 6749 §2.3.1. */
  auth:
    | { method: 'basic'; clientId: string; clientSecret: string }
    | { method: 'post'; clientId: string; clientSecret: string }
    | { method: 'none' };
  /** Arrival time (performance.now()). */
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Send the status, headers and the start of the body, then never finish the body. */
  stallBody?: boolean;
}

export type Handler = (request: RecordedRequest, index: number) => Reply | Promise<Reply>;

/** application/x-www-form-urlencoded decoding of one value. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function decodeAuth(req: IncomingMessage, form: URLSearchParams): RecordedRequest['auth'] {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('latin1');
    const colon = decoded.indexOf(':');
    return {
      method: 'basic',
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  }
  const clientId = form.get('client_id');
  const clientSecret = form.get('client_secret');
  if (clientId !== null && clientSecret !== null) return { method: 'post', clientId, clientSecret };
  return { method: 'none' };
}

/** Issues `token-<n>` as a Bearer token valid for an hour. */
export const issueToken: Handler = (_req, index) => ({
  json: { access_token: `token-${index + 1}`, token_type: 'Bearer', expires_in: 3600 },
});

export interface TokenServer {
  /** Origin, e.g. http://127.0.0.1:4567 */
  origin: string;
  /** `${origin}/token` */
  tokenUrl: string;
  requests: RecordedRequest[];
  /** Requests to /token only. */
  readonly tokenRequests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

export async function startTokenServer(handler: Handler = issueToken): Promise<TokenServer> {
  const requests: RecordedRequest[] = [];
  const state: TokenServer = {
    origin: '',
    tokenUrl: '',
    requests,
    get tokenRequests() {
      return requests.filter((r) => r.path === '/token');
    },
    handler,
    close: () => closeServer(server),
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'http://x').pathname,
      headers: req.headers,
      form,
      auth: decodeAuth(req, form),
      at,
    };
    const index = requests.filter((r) => r.path === recorded.path).length;
    requests.push(recorded);
    const reply = await state.handler(recorded, index);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.body ?? '');
    res.writeHead(reply.status ?? 200, {
      'content-type': reply.json !== undefined ? 'application/json' : 'text/plain',
      ...reply.headers,
    });
    if (reply.stallBody) {
      // Half a JSON document; the connection stays open until the server closes.
      res.write(body.slice(0, Math.ceil(body.length / 2)));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.origin = `http://127.0.0.1:${port}`;
  state.tokenUrl = `${state.origin}/token`;
  return state;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A mutable fake clock for the `now` option. */
export function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Small retry delays so retry tests stay fast. */
export const fastRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 5_000 };
