/**
 * The Express majors under test, and a small app exercising every middleware.
 */
import express from 'express';
import express4 from 'express4';
import {
  auth,
  type ExpressAuthOptions,
  requireAnyScope,
  requireScopes,
  requireSubjectType,
} from '../../src/index.js';

export type ExpressFactory = typeof express;

/** Both supported majors, for `describe.each`. */
export const frameworks: ReadonlyArray<readonly [string, ExpressFactory]> = [
  ['express 5', express],
  ['express 4', express4],
];

/** Routes shared by the tests; `/whoami` needs only a valid token. */
export function addRoutes(app: ReturnType<ExpressFactory>): void {
  app.get('/whoami', (req, res) => {
    res.json({ subject: req.auth?.subject ?? null, clientId: req.auth?.clientId ?? null });
  });
  app.get('/data', requireScopes('data:read'), (_req, res) => {
    res.json({ ok: 'read' });
  });
  app.post('/data', requireScopes('data:read', 'data:write'), (_req, res) => {
    res.json({ ok: 'write' });
  });
  app.get('/reports', requireAnyScope('reports:read', 'admin'), (_req, res) => {
    res.json({ ok: 'reports' });
  });
  app.post('/sync', requireSubjectType('client'), (_req, res) => {
    res.json({ ok: 'sync' });
  });
}

/** An app with `auth(options)` in front of {@link addRoutes}. */
export function authApp(factory: ExpressFactory, options: ExpressAuthOptions): ReturnType<ExpressFactory> {
  const app = factory();
  app.use(factory.urlencoded({ extended: false }));
  app.use(auth(options));
  addRoutes(app);
  return app;
}
