import { describe, expect, test } from 'vitest';
import { validateResponse } from '../../support/openapi-validator';

const identityId = 'us-east-1:0b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11';
const me = {
  identityId,
  sub: 'sub',
  username: 'alice',
  name: 'alice@example.com',
  prefixes: { private: 'p/', protected: 'q/', public: 'r/' },
  limits: {
    maxUploadBytes: 1,
    maxUrlLifetimeSeconds: 2,
    defaultUrlLifetimeSeconds: 1,
    uploads: {
      private: { maxUploadBytes: 1 },
      protected: { maxUploadBytes: 1, allowedContentTypes: ['image/*'] },
      public: { maxUploadBytes: 1 },
      groups: { maxUploadBytes: 1 },
    },
  },
};
const problem = {
  type: 'urn:user-files-api:problem:invalid_request',
  title: 'Invalid request',
  status: 400,
  code: 'invalid_request',
};

describe('validateResponse', () => {
  test('accepts a conforming body, parsed or as JSON text', () => {
    expect(() => validateResponse('GET', '/me', 200, 'application/json', me)).not.toThrow();
    expect(() =>
      validateResponse('get', '/me?x=1', 200, 'application/json; charset=utf-8', JSON.stringify(me)),
    ).not.toThrow();
  });

  test('refuses an undocumented property, naming it', () => {
    expect(() => validateResponse('GET', '/me', 200, 'application/json', { ...me, extra: 1 })).toThrow(
      /GET \/me -> 200.*additional properties/s,
    );
  });

  test('refuses a wrong format', () => {
    expect(() =>
      validateResponse('GET', '/me', 200, 'application/json', { ...me, identityId: 'nope' }),
    ).toThrow(/identityId/);
  });

  test('uses the default response for undocumented statuses and checks its media type', () => {
    expect(() =>
      validateResponse('GET', '/me', 404, 'application/problem+json', { ...problem, status: 404 }),
    ).not.toThrow();
    expect(() => validateResponse('GET', '/me', 404, 'application/json', problem)).toThrow(/media type/);
  });

  test("refuses the contract's own headers where the response does not document them", () => {
    const pending = { ...problem, status: 409, code: 'scan_pending', scan: 'pending', retryAfter: 2 };
    const held = (path: string, headers: Record<string, string>) => () =>
      validateResponse('POST', path, 409, 'application/problem+json', pending, headers);
    expect(held('/files/downloads', { 'Retry-After': '2' })).not.toThrow();
    // A copy's or a share's source held by the scan answers the same problem, documented as such.
    expect(held('/files/copies', { 'Retry-After': '2' })).not.toThrow();
    expect(held('/files/shares', { 'retry-after': '2' })).not.toThrow();
    expect(held('/files/uploads', { 'Retry-After': '2' })).toThrow(/Retry-After is sent but not documented/);
    // Other headers (CORS, tracing) are not the contract's.
    expect(held('/files/uploads', { 'X-Amzn-RequestId': 'r' })).not.toThrow();
  });

  test('refuses unknown paths and operations', () => {
    expect(() => validateResponse('GET', '/nope', 200, 'application/json', {})).toThrow(/not in the spec/);
    expect(() => validateResponse('PUT', '/me', 200, 'application/json', {})).toThrow(/not in the spec/);
  });

  test('a response documented without content must have no body', () => {
    expect(() => validateResponse('DELETE', '/files', 204, undefined, '')).not.toThrow();
    expect(() => validateResponse('DELETE', '/files', 204, 'application/json', '{}')).toThrow(
      /without content/,
    );
  });
});
