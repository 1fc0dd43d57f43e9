/**
 * The admin API, shaped like Ory Hydra's (`GET /admin/clients/{id}` returns the
 * client record with its free-form `metadata`). Like Hydra's admin port it has
 * no authentication and must only ever listen on a private interface: here,
 * loopback. scopegate's `hydraAdminMetadata` source reads limits from it.
 *
 * Also here, because they are operator actions:
 * - `POST /admin/keys/rotate`: rotate the signing key;
 * - `POST /dev/user-tokens`: DEVELOPMENT ONLY, mint a user access token.
 */
import { readBody, sendJson } from './http-util.js';

/** A client as the admin API shows it: never the secret. */
function publicClientRecord(client) {
  return {
    client_id: client.clientId,
    client_name: client.clientName,
    scope: client.scope,
    grant_types: client.grantTypes,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    metadata: client.metadata ?? {},
  };
}

/** Builds the admin server's request handler. */
export function createAdminHandler({ getProvider, clients, handle, log }) {
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      const path = url.pathname;

      if (req.method === 'GET' && path === '/admin/clients') {
        const provider = getProvider();
        const records = [];
        for (const { client_id } of clients) {
          const client = await provider.Client.find(client_id);
          if (client) records.push(publicClientRecord(client));
        }
        sendJson(res, 200, records);
        return;
      }

      const match = /^\/admin\/clients\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && match) {
        let id;
        try {
          id = decodeURIComponent(match[1]);
        } catch {
          sendJson(res, 400, { error: 'invalid_request', error_description: 'malformed client id' });
          return;
        }
        const client = await getProvider().Client.find(id);
        if (!client) {
          sendJson(res, 404, { error: 'not_found', error_description: 'Unable to locate the resource' });
          return;
        }
        sendJson(res, 200, publicClientRecord(client));
        return;
      }

      if (req.method === 'POST' && path === '/admin/keys/rotate') {
        sendJson(res, 200, await handle.rotateKeys());
        return;
      }

      if (req.method === 'POST' && path === '/dev/user-tokens') {
        let params;
        try {
          params = JSON.parse((await readBody(req)) || '{}');
        } catch {
          sendJson(res, 400, { error: 'invalid_request', error_description: 'body must be JSON' });
          return;
        }
        try {
          const minted = await handle.mintUserToken({
            sub: params.sub,
            clientId: params.client_id,
            scope: params.scope,
            resource: params.resource,
          });
          sendJson(res, 200, minted);
        } catch (error) {
          // Our own validation messages (unknown client, bad sub, ...): safe to show.
          sendJson(res, 400, { error: 'invalid_request', error_description: error.message });
        }
        return;
      }

      sendJson(res, 404, { error: 'not_found', error_description: 'no such admin route' });
    } catch (error) {
      log(`admin API error: ${error.message}`);
      if (!res.headersSent) {
        sendJson(res, 500, { error: 'server_error', error_description: 'admin API failure' });
      }
    }
  };
}
