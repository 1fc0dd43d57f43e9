/** A small HTTP helper for the scenario: one request, the parts a step looks at. */

/**
 * Sends one request and reads the answer.
 * @param {string} url
 * @param {{ method?: string, token?: string, authorization?: string, body?: unknown }} [options]
 *   `authorization` sets the raw header (wins over `token`)
 * @returns {Promise<{ status: number, headers: Headers, body: unknown, wwwAuthenticate: string | null }>}
 */
export async function request(url, options = {}) {
  const headers = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(url, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return {
    status: response.status,
    headers: response.headers,
    body: parsed,
    wwwAuthenticate: response.headers.get('www-authenticate'),
  };
}

/** Requests a client_credentials token directly (no caching), for steps that need a raw token. */
export async function clientCredentialsToken(as, clientId, { scope, resource } = {}) {
  const client = as.clients.find((c) => c.client_id === clientId);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) form.set('scope', scope);
  if (resource) form.set('resource', resource);
  const basic = Buffer.from(
    `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`,
  ).toString('base64');
  const response = await fetch(as.tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`token request for ${clientId} failed: ${json.error}`);
  return json;
}
