#!/usr/bin/env node
/**
 * Runs the example authorization server alone.
 *   PORT (default 4444) public port: issuer, discovery, token, JWKS
 *   ADMIN_PORT (default 4445) admin API port (loopback only)
 */
import { startAuthorizationServer } from './index.js';

const as = await startAuthorizationServer({
  port: Number(process.env.PORT ?? 4444),
  adminPort: Number(process.env.ADMIN_PORT ?? 4445),
  log: (line) => console.log(line),
});

console.log(`issuer:     ${as.issuer}`);
console.log(`discovery:  ${as.issuer}/.well-known/openid-configuration`);
console.log(`token:      ${as.tokenUrl}`);
console.log(`JWKS:       ${as.jwksUri}`);
console.log(`admin API:  ${as.adminUrl}/admin/clients/nightly-data-sync`);
console.log(`audience:   ${as.audience}`);

const stop = async () => {
  await as.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
