#!/usr/bin/env node
/** Runs the Express data API alone, configured from the environment (see config.js). */
import { configFromEnv, start } from './index.js';

let config;
try {
  config = configFromEnv(process.env);
} catch (error) {
  console.error(`express-api: ${error.message}`);
  process.exit(2);
}
const api = await start(config);
console.log(`express-api listening on ${api.url} (issuer ${config.issuer}, audience ${config.audience})`);

const stop = async () => {
  await api.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
