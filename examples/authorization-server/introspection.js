/**
 * RFC 7662 token introspection for this server's JWT access tokens.
 *
 * oidc-provider's introspection endpoint deliberately refuses structured
 * (JWT) tokens with `unsupported_token_type` (lib/shared/reject_structured_tokens.js):
 * it does not store them, so it has nothing to look up. An authorization
 * server that issues JWT access tokens can still answer "is this one of mine
 * and still good?" by checking it against its own signing keys, which is what
 * this endpoint does. It is independent of scopegate (plain `jose`), so the
 * end-to-end tests can compare its answers with the verifier's decisions.
 *
 * As RFC 7662 allows, the caller must authenticate as a registered client
 * (client_secret_basic or client_secret_post). The response reports `aud`;
 * checking it is the resource server's job.
 */
import { timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { readBody, sendJson } from './http-util.js';
import { SIGNING_ALG } from './keys.js';

/** Path of the JWT introspection endpoint on the public port. */
export const INTROSPECTION_PATH = '/token/introspection/jwt';

function sameSecret(given, expected) {
  const a = Buffer.from(String(given), 'utf8');
  const b = Buffer.from(String(expected), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Client id and secret from Basic (form-decoded, RFC 6749 2.3.1) or from the body. */
function clientCredentials(req, form) {
  const header = req.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ');
    if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
    try {
      return { id: decode(decoded.slice(0, i)), secret: decode(decoded.slice(i + 1)) };
    } catch {
      return undefined;
    }
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id && secret ? { id, secret } : undefined;
}

/** Builds the request handler for {@link INTROSPECTION_PATH}. */
export function createIntrospectionHandler({ issuer, clients, publicKeys }) {
  return async (req, res) => {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'invalid_request', error_description: 'use POST' }, { allow: 'POST' });
      return;
    }
    let form;
    try {
      form = new URLSearchParams(await readBody(req));
    } catch {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'unreadable body' });
      return;
    }
    const credentials = clientCredentials(req, form);
    const client = credentials && clients.find((c) => c.client_id === credentials.id);
    if (!client || !sameSecret(credentials.secret, client.client_secret)) {
      sendJson(
        res,
        401,
        { error: 'invalid_client', error_description: 'client authentication failed' },
        { 'www-authenticate': 'Basic realm="introspection"' },
      );
      return;
    }
    const token = form.get('token');
    if (!token) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'missing token' });
      return;
    }
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: publicKeys() }), {
        issuer,
        algorithms: [SIGNING_ALG],
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'client_id'],
      });
      sendJson(res, 200, {
        active: true,
        iss: payload.iss,
        sub: payload.sub,
        aud: payload.aud,
        client_id: payload.client_id,
        scope: payload.scope,
        exp: payload.exp,
        iat: payload.iat,
        jti: payload.jti,
        token_type: 'Bearer',
      });
    } catch {
      // RFC 7662 section 2.2: say nothing more about a token that is not active.
      sendJson(res, 200, { active: false });
    }
  };
}
