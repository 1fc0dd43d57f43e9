/**
 * `{ authorization: 'Bearer <token>' }`: the request header for a token, in
 * the shape supertest's `.set()`, Fastify's `inject({ headers })` and
 * `fetch(url, { headers })` take.
 */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
