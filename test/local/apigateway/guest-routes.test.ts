/**
 * The local API adapter's routing of path templates and its guest routes, with a recording handler
 * behind it: `{name}` is one non-empty segment and `{key+}` the rest of the path (at least one
 * character), a trailing slash falls back to the resource without it, the event carries the
 * template as `resource`, the path as sent and the parameters percent-decoded. Guest routes have no
 * authorizer (the event's `authorizer` is null) and a request limit per client address; `HEAD`
 * answers carry headers and no body. No user pool is needed: no token is ever verified here.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiAdapter, type ApiAdapterOptions, startApiAdapter } from '../../../local/apigateway/adapter';

const OWNER = 'us-east-1:6f1c2a52-4b5e-4c1d-9f6a-0e2b3c4d5e6f';
const invoked: APIGatewayProxyEvent[] = [];
const adapters: ApiAdapter[] = [];
let api: ApiAdapter;

function start(options: Partial<ApiAdapterOptions> = {}): Promise<ApiAdapter> {
  return startApiAdapter({
    host: '127.0.0.1',
    port: 0,
    userPoolId: 'us-east-1_GuestRoutes',
    region: 'us-east-1',
    // Never reached: no token is verified in this file.
    userPoolEndpoint: 'http://127.0.0.1:9',
    allowedOrigins: ['http://localhost:5173'],
    log: () => undefined,
    handler: async (event) => {
      invoked.push(event);
      return {
        statusCode: 302,
        headers: { Location: 'http://storage.example/x', 'Content-Type': 'text/plain' },
        body: 'a body the function sent',
      };
    },
    ...options,
  }).then((adapter) => {
    adapters.push(adapter);
    return adapter;
  });
}

beforeAll(async () => {
  api = await start({ guestRateLimit: false });
});

afterAll(async () => {
  await Promise.all(adapters.map((adapter) => adapter.close()));
});

/** GET (no redirect following) of a path under the API, and the event it produced, if any. */
async function call(path: string, init: RequestInit = {}, on = api) {
  const before = invoked.length;
  const response = await fetch(`${on.url}${path}`, { redirect: 'manual', ...init });
  return { response, event: invoked.length > before ? invoked.at(-1) : undefined };
}

/** The raw bytes of one exchange, so a body sent on a HEAD answer could not hide. */
function rawExchange(on: ApiAdapter, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(on.port, '127.0.0.1', () => {
      socket.write(`${method} /v1/${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

describe('path templates', () => {
  it('hand the function the template, the path as sent and the parameters decoded', async () => {
    const encodedOwner = OWNER.replace(':', '%3A');
    const { response, event } = await call(`public/${encodedOwner}/photos/cat%20one%2Bmore%2Fx.jpg`);
    expect(response.status).toBe(302);
    expect(event).toMatchObject({
      resource: '/public/{owner}/{key+}',
      path: `/public/${encodedOwner}/photos/cat%20one%2Bmore%2Fx.jpg`,
      httpMethod: 'GET',
      pathParameters: { owner: OWNER, key: 'photos/cat one+more/x.jpg' },
      requestContext: {
        resourcePath: '/public/{owner}/{key+}',
        path: `/v1/public/${encodedOwner}/photos/cat%20one%2Bmore%2Fx.jpg`,
      },
    });
  });

  it('route one segment to /public/{owner}, with or without a trailing slash', async () => {
    for (const path of [`public/${OWNER}`, `public/${OWNER}/`]) {
      const { event } = await call(path);
      expect(event, path).toMatchObject({
        resource: '/public/{owner}',
        path: `/${path}`,
        pathParameters: { owner: OWNER },
      });
    }
  });

  it('give {key+} at least one character and {owner} a non-empty segment, else no route', async () => {
    for (const [method, path] of [
      ['HEAD', `public/${OWNER}/`],
      ['GET', `public//photo.jpg`],
      ['GET', 'public'],
      ['GET', 'public/'],
    ] as const) {
      const { response, event } = await call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(event).toBeUndefined();
    }
  });

  it('answer a malformed percent-escape in a parameter 400, without calling the function', async () => {
    for (const path of [`public/${OWNER}/%E0%A4`, `public/${OWNER}/bad%zz`, `public/%ZZ`]) {
      const { response, event } = await call(path);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toMatchObject({ status: 400, code: 'invalid_request' });
      expect(event).toBeUndefined();
    }
  });

  it('keep the authorizer on the other routes, and the trailing slash rule applies to them too', async () => {
    for (const path of ['me', 'me/', `files/public/${OWNER}`]) {
      const { response, event } = await call(path);
      expect(response.status, path).toBe(path.startsWith('files/') ? 404 : 401);
      expect(event).toBeUndefined();
    }
    expect((await call('files/', { method: 'OPTIONS' })).response.status).toBe(204);
  });
});

describe('guest routes', () => {
  it('reach the function without a token, with no authorizer at all (a token sent is ignored)', async () => {
    for (const headers of [{}, { Authorization: 'not-a-token' }]) {
      const { response, event } = await call(`public/${OWNER}/a.txt`, { headers });
      expect(response.status).toBe(302);
      expect(event?.requestContext.authorizer).toBeNull();
      expect(event?.requestContext.identity.sourceIp).toBe('127.0.0.1');
    }
  });

  it('are not served by a deployment without guest access', async () => {
    const closed = await start({ guestRoutes: false });
    const { response, event } = await call(`public/${OWNER}/a.txt`, {}, closed);
    expect(response.status).toBe(404);
    expect(event).toBeUndefined();
  });

  it('answer HEAD with the headers and no body, the function’s answer and the gateway’s own', async () => {
    const redirect = await rawExchange(api, 'HEAD', `public/${OWNER}/a.txt`);
    expect(redirect).toMatch(/^HTTP\/1\.1 302 /);
    expect(redirect).toMatch(/\r\nLocation: http:\/\/storage\.example\/x\r\n/i);
    expect(redirect.endsWith('\r\n\r\n')).toBe(true);
    const missing = await rawExchange(api, 'HEAD', `public/${OWNER}/`);
    expect(missing).toMatch(/^HTTP\/1\.1 404 /);
    expect(missing).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    expect(missing.endsWith('\r\n\r\n')).toBe(true);
  });

  it('are limited per client address: 429 rate_limited with Retry-After, others unaffected, then refills', async () => {
    let now = Date.UTC(2026, 0, 1);
    const limited = await start({ guestRateLimit: { perSecond: 1, burst: 2 }, now: () => now });
    const path = `public/${OWNER}/a.txt`;
    expect((await call(path, {}, limited)).response.status).toBe(302);
    expect((await call(path, {}, limited)).response.status).toBe(302);
    // Naming another address in X-Forwarded-For changes nothing: the connection's address counts.
    const { response, event } = await call(path, { headers: { 'X-Forwarded-For': '203.0.113.9' } }, limited);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(event).toBeUndefined();
    // Another address of the loopback network has its own bucket.
    expect(await statusFrom('127.0.0.2', limited, path)).toBe(302);
    const headLimited = await rawExchange(limited, 'HEAD', path);
    expect(headLimited).toMatch(/^HTTP\/1\.1 429 [\s\S]*\r\nRetry-After: 1\r\n/i);
    expect(headLimited.endsWith('\r\n\r\n')).toBe(true);
    now += 1_000;
    expect((await call(path, {}, limited)).response.status).toBe(302);
  });
});

/** The status of a GET sent from another local address. */
function statusFrom(localAddress: string, on: ApiAdapter, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${on.url}${path}`, { localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
