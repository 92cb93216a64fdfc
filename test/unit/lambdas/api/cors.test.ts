import { describe, expect, test } from 'vitest';
import { type EventInput, LISTED_ORIGIN, useHarness } from '../../support/fixtures';

const harness = useHarness();

const ok: EventInput = { method: 'GET', path: '/me' };
const bad: EventInput = { method: 'POST', path: '/files/uploads' };
const unauthorized: EventInput = { method: 'GET', path: '/me', claims: null };
const notFound: EventInput = { method: 'GET', path: '/nowhere' };

const withOrigin = (request: EventInput, origin: string): EventInput => ({
  ...request,
  headers: { ...request.headers, Origin: origin },
});

describe('CORS', () => {
  test.each([
    ['a success', ok, 200],
    ['a 400', bad, 400],
    ['a 401', unauthorized, 401],
    ['a 404', notFound, 404],
  ])('%s for a listed origin echoes that origin', async (_name, request, status) => {
    const response = await harness().call(withOrigin(request, LISTED_ORIGIN));
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['Access-Control-Allow-Origin']).toBe(LISTED_ORIGIN);
    expect(response.headers?.['Access-Control-Expose-Headers']).toContain('Retry-After');
    expect(String(response.headers?.Vary)).toContain('Origin');
  });

  test('the second listed origin is echoed too, never the first in its place', async () => {
    const response = await harness().call(withOrigin(ok, 'http://localhost:5173'));
    expect(response.headers?.['Access-Control-Allow-Origin']).toBe('http://localhost:5173');
  });

  test.each([
    ['a success', ok],
    ['a 400', bad],
    ['a 401', unauthorized],
  ])('%s for an unlisted origin carries no Allow-Origin', async (_name, request) => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.net', 'null']) {
      const response = await harness().call(withOrigin(request, origin));
      expect(response.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
    }
  });

  test('a request without Origin gets no Allow-Origin', async () => {
    const response = await harness().call(ok);
    expect(response.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });

  test('a preflight that reaches the function is answered 204 without authentication', async () => {
    const response = await harness().call({
      method: 'OPTIONS',
      path: '/files/uploads',
      user: null,
      headers: { Origin: LISTED_ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers?.['Access-Control-Allow-Origin']).toBe(LISTED_ORIGIN);
    expect(response.headers?.['Access-Control-Allow-Methods']).toContain('POST');
    expect(response.headers?.['Access-Control-Allow-Headers']).toContain('Authorization');
    expect(harness().aws.cognito.calls()).toHaveLength(0);
  });
});
