#!/usr/bin/env node
/** Runs the gateway alone, configured from the environment (see config.js). */
import { configFromEnv, start } from './index.js';

let config;
try {
  config = configFromEnv(process.env);
} catch (error) {
  console.error(`gateway: ${error.message}`);
  process.exit(2);
}
const api = await start(config);
console.log(`gateway listening on ${api.url}, forwarding to ${api.upstreamUrl} (issuer ${config.issuer})`);

const stop = async () => {
  await api.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
