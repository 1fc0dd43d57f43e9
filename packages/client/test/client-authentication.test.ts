import { createTokenClient } from '@scopegate/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basicAuthorization, formUrlEncode } from '../src/client-authentication.js';
import { startTokenServer, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeAll(async () => {
  server = await startTokenServer();
});
beforeEach(() => {
  server.requests.length = 0;
});
afterAll(() => server.close());

const awkward = [
  { clientId: 'plain-id', clientSecret: 'plain-secret' },
  { clientId: 'id:with:colons', clientSecret: 'se:cr:et' },
  { clientId: 'percent%20id', clientSecret: '100%+sure' },
  { clientId: 'space id', clientSecret: 'pass word  with spaces' },
  { clientId: 'plus+id', clientSecret: 'a+b=c&d' },
  { clientId: 'ünïcödé-客户', clientSecret: 'пароль-🔑-秘密' },
  { clientId: 'quote\'"id', clientSecret: '\\back/slash?#[]@!$()*,;~' },
];

describe.each(['client_secret_basic', 'client_secret_post'] as const)('%s', (authMethod) => {
  it.each(awkward)(
    'sends $clientId / $clientSecret so an RFC 6749 server decodes them exactly',
    async (creds) => {
      const client = createTokenClient({ tokenUrl: server.tokenUrl, authMethod, ...creds });
      await client.getToken();
      const [request] = server.tokenRequests;
      expect(request!.auth).toEqual({
        method: authMethod === 'client_secret_basic' ? 'basic' : 'post',
        clientId: creds.clientId,
        clientSecret: creds.clientSecret,
      });
      if (authMethod === 'client_secret_basic') {
        // The credentials go only in the header.
        expect(request!.form.has('client_id')).toBe(false);
        expect(request!.form.has('client_secret')).toBe(false);
      } else {
        expect(request!.headers.authorization).toBeUndefined();
      }
    },
  );
});

describe('token request', () => {
  it('defaults to client_secret_basic and sends a well-formed client_credentials request', async () => {
    const client = createTokenClient({ tokenUrl: server.tokenUrl, clientId: 'worker', clientSecret: 's' });
    expect(client.authMethod).toBe('client_secret_basic');
    await client.getToken();
    const [request] = server.tokenRequests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(request!.headers.accept).toBe('application/json');
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from('worker:s').toString('base64')}`);
    expect([...request!.form]).toEqual([['grant_type', 'client_credentials']]);
  });

  it('sends scope (array joined by spaces), audience, repeated resource and extra params', async () => {
    const client = createTokenClient({
      tokenUrl: server.tokenUrl,
      clientId: 'worker',
      clientSecret: 's',
      scope: ['data:read', 'data:write'],
      audience: 'https://api.example.com',
      resource: ['https://a.example.com/', 'https://b.example.com/'],
      extraParams: { tenant: 'acme', claims: ['x', 'y'] },
    });
    await client.getToken();
    const form = server.tokenRequests[0]!.form;
    expect(form.get('scope')).toBe('data:read data:write');
    expect(form.get('audience')).toBe('https://api.example.com');
    expect(form.getAll('resource')).toEqual(['https://a.example.com/', 'https://b.example.com/']);
    expect(form.get('tenant')).toBe('acme');
    expect(form.getAll('claims')).toEqual(['x', 'y']);
  });

  it('normalises a space-separated scope string', async () => {
    const client = createTokenClient({
      tokenUrl: server.tokenUrl,
      clientId: 'w',
      clientSecret: 's',
      scope: '  a   b a ',
      resource: 'https://only.example.com/',
    });
    await client.getToken();
    expect(server.tokenRequests[0]!.form.get('scope')).toBe('a b');
    expect(server.tokenRequests[0]!.form.getAll('resource')).toEqual(['https://only.example.com/']);
  });
});

describe('formUrlEncode / basicAuthorization', () => {
  it('encodes per application/x-www-form-urlencoded (space as +, reserved characters escaped)', () => {
    expect(formUrlEncode('a b')).toBe('a+b');
    expect(formUrlEncode('a+b')).toBe('a%2Bb');
    expect(formUrlEncode('a:b%')).toBe('a%3Ab%25');
    expect(formUrlEncode('é')).toBe('%C3%A9');
    expect(formUrlEncode('AZaz09-._*')).toBe('AZaz09-._*');
  });

  it('form-encodes before base64', () => {
    expect(basicAuthorization('a b', 'c:d')).toBe(`Basic ${Buffer.from('a+b:c%3Ad').toString('base64')}`);
  });
});
