/**
 * A tiny data service with no authentication of its own: it trusts whatever
 * reaches it, which is why it must only be reachable through the gateway. It
 * reports the `x-client-id` the gateway vouched for.
 */
import http from 'node:http';

function send(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Starts the upstream on loopback. Resolves `{ url, close() }`. */
export async function startUpstream({ port = 0, host = '127.0.0.1' } = {}) {
  const items = [{ id: 1, value: 'hello from the upstream' }];

  const server = http.createServer((req, res) => {
    const client = req.headers['x-client-id'] ?? null;
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 16 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://upstream.invalid').pathname;
      if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
      if (req.method === 'GET' && path === '/data') return send(res, 200, { items, client });
      if (req.method === 'POST' && path === '/data') {
        let value = null;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}').value ?? null;
        } catch {
          return send(res, 400, { error: 'invalid_request', error_description: 'unreadable JSON body' });
        }
        const item = { id: items.length + 1, value, by: client };
        items.push(item);
        return send(res, 201, item);
      }
      if (req.method === 'POST' && path === '/sync')
        return send(res, 200, { synced: true, client, items: items.length });
      return send(res, 404, { error: 'not_found', error_description: 'no such route' });
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
