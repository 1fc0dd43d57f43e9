/**
 * What the core guard needs from an Express request to find the bearer token
 * (RFC 6750 §2): the `Authorization` header, the `access_token` query
 * parameter, and the form-encoded body. The guard itself decides what is
 * acceptable (one place only, else 400).
 */
import { authorizationHeader, type GuardRequest } from '@scopegate/core';
import type { Request } from 'express';

const FORM = 'application/x-www-form-urlencoded';

/** Collects the token-bearing parts of `req` for `guard.authenticate`. */
export function guardInput(req: Request): GuardRequest {
  return {
    // Every value when the header is repeated (Node keeps the first): core answers that with 400.
    authorization: authorizationHeader(req.headers.authorization, req.rawHeaders),
    // Express 5 parses the query string on every `req.query` read: skip it when there is none.
    query: req.url.includes('?') ? req.query : undefined,
    // RFC 6750 §2.2: only a form-encoded body can carry the token; a JSON body's
    // `access_token` is application data, not a credential. `req.body` exists
    // only when the app installed a body parser. The content-type header is
    // looked at first: reading a missing `req.body` walks Express's whole
    // prototype chain, on every bodiless request.
    body:
      req.headers['content-type'] !== undefined && req.body !== undefined && req.is(FORM)
        ? req.body
        : undefined,
  };
}
