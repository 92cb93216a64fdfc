import { describe, expect, test } from 'vitest';
import { createFilesClient } from '../../../../shared/api/client';

function recorder(status: number, body: unknown, contentType = 'application/json') {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': contentType },
    });
  };
  return { requests, fetch };
}

describe('createFilesClient', () => {
  test('adds the current ID token as a Bearer Authorization header', async () => {
    const { requests, fetch } = recorder(200, { identityId: 'x' });
    let token = 'first.id.token';
    const client = createFilesClient({ baseUrl: 'http://127.0.0.1:4010/v1', getIdToken: () => token, fetch });
    await client.GET('/me');
    token = 'second.id.token';
    await client.GET('/me');
    expect(requests.map((request) => request.headers.get('Authorization'))).toEqual([
      'Bearer first.id.token',
      'Bearer second.id.token',
    ]);
    expect(requests[0]?.url).toBe('http://127.0.0.1:4010/v1/me');
  });

  test('sends typed queries and bodies and parses problems as errors', async () => {
    const { requests, fetch } = recorder(
      400,
      { code: 'invalid_request', field: 'key' },
      'application/problem+json',
    );
    const client = createFilesClient({ baseUrl: 'http://api.test', getIdToken: async () => 'a.b.c', fetch });
    const listing = await client.GET('/files', {
      params: { query: { level: 'private', prefix: 'a b/', limit: 5 } },
    });
    expect(listing.error).toMatchObject({ field: 'key' });
    expect(new URL(requests[0]?.url ?? '').searchParams.get('prefix')).toBe('a b/');
    await client.POST('/files/uploads', {
      body: { level: 'private', key: 'k', contentType: 'text/plain', size: 1, overwrite: true },
    });
    expect(requests[1]?.method).toBe('POST');
    expect(await requests[1]?.json()).toEqual({
      level: 'private',
      key: 'k',
      contentType: 'text/plain',
      size: 1,
      overwrite: true,
    });
  });

  test('sends no Authorization header when there is no token', async () => {
    const { requests, fetch } = recorder(401, { code: 'unauthorized' });
    const client = createFilesClient({ baseUrl: 'http://api.test', getIdToken: () => undefined, fetch });
    await client.GET('/me');
    expect(requests[0]?.headers.has('Authorization')).toBe(false);
  });
});
