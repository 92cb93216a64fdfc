import { CognitoIdentityServiceException, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import {
  alice,
  awsError,
  type EventInput,
  expectContract,
  parse,
  testUser,
  useHarness,
} from '../../support/fixtures';

const harness = useHarness();
const me: EventInput = { method: 'GET', path: '/me' };
const listing: EventInput = { method: 'GET', path: '/files', query: { level: 'private' } };

function cognitoError(name: string, httpStatusCode: number) {
  return new CognitoIdentityServiceException({
    name,
    message: `${name} from Cognito`,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

function expectProblem(
  request: EventInput,
  response: { statusCode: number; body: string },
  status: number,
  code: string,
) {
  expect(response.statusCode, response.body).toBe(status);
  const body = parse(response as never);
  expect(body).toMatchObject({
    status,
    code,
    type: `urn:user-files-api:problem:${code}`,
    requestId: 'req-0001',
  });
  expectContract(request, response as never);
  return body;
}

describe('authentication', () => {
  test.each([
    ['no Authorization header', { headers: { Authorization: '' } }],
    ['an empty Bearer token', { headers: { Authorization: 'Bearer ' } }],
    ['a token that is not a JWT', { headers: { Authorization: 'Bearer not-a-jwt' } }],
    ['no authorizer claims', { claims: null }],
    ['claims without a subject', { claims: { token_use: 'id', 'cognito:username': 'x' } }],
    ['an access token', { claims: { sub: alice.sub, token_use: 'access', username: 'x' } }],
    [
      "another user's token beside alice's verified claims",
      { headers: { Authorization: `Bearer ${testUser(7).token}` } },
    ],
  ] as Array<[string, Partial<EventInput>]>)('answers 401 for %s, calling nothing', async (_name, change) => {
    const request = { ...me, ...change };
    const body = expectProblem(request, await harness().call(request), 401, 'unauthorized');
    // Every 401 says what is expected, not just "Unauthorized".
    expect(body.detail).toMatch(/ID token/);
    expect(harness().aws.cognito.calls()).toHaveLength(0);
  });

  test('answers 401 when the identity pool refuses the token', async () => {
    const stranger = testUser(99);
    const request = { ...me, user: stranger };
    const body = expectProblem(request, await harness().call(request), 401, 'unauthorized');
    expect(body.detail).not.toContain('Invalid login token');
  });
});

describe('upstream failures', () => {
  test('Cognito throttling is retried with backoff, then answered 503 with Retry-After', async () => {
    harness().aws.cognito.on(GetIdCommand).rejects(cognitoError('TooManyRequestsException', 400));
    const response = await harness().call(me);
    expectProblem(me, response, 503, 'throttled');
    expect(response.headers?.['Retry-After']).toBe('1');
    expect(harness().aws.cognito.commandCalls(GetIdCommand)).toHaveLength(3);
  });

  test('LimitExceededException is throttling too', async () => {
    harness().aws.cognito.on(GetIdCommand).rejects(cognitoError('LimitExceededException', 400));
    expectProblem(me, await harness().call(me), 503, 'throttled');
  });

  test('throttling that clears within the retries is invisible to the caller', async () => {
    harness()
      .aws.cognito.on(GetIdCommand)
      .rejectsOnce(cognitoError('TooManyRequestsException', 400))
      .rejectsOnce(cognitoError('TooManyRequestsException', 400))
      .resolves({ IdentityId: alice.identityId });
    const response = await harness().call(me);
    expect(response.statusCode).toBe(200);
    expect(harness().aws.cognito.commandCalls(GetIdCommand)).toHaveLength(3);
  });

  test('a Cognito timeout answers 504', async () => {
    harness()
      .aws.cognito.on(GetIdCommand)
      .rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));
    expectProblem(me, await harness().call(me), 504, 'upstream_timeout');
  });

  test('a Cognito 5xx answers 502 after retries', async () => {
    harness().aws.cognito.on(GetIdCommand).rejects(cognitoError('InternalErrorException', 500));
    expectProblem(me, await harness().call(me), 502, 'upstream_error');
    expect(harness().aws.cognito.commandCalls(GetIdCommand)).toHaveLength(3);
  });

  test('an identity the pool no longer knows answers 502, not 500', async () => {
    harness().aws.cognito.on(GetIdCommand).rejects(cognitoError('ResourceNotFoundException', 400));
    expectProblem(me, await harness().call(me), 502, 'upstream_error');
  });

  test('Cognito unreachable answers 502', async () => {
    harness()
      .aws.cognito.on(GetIdCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    expectProblem(me, await harness().call(me), 502, 'upstream_error');
  });

  test.each([
    ['S3 5xx', awsError('InternalError', 500), 502, 'upstream_error'],
    ['S3 SlowDown', awsError('SlowDown', 503), 503, 'throttled'],
    [
      'an S3 timeout',
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      504,
      'upstream_timeout',
    ],
    ['S3 AccessDenied', awsError('AccessDenied', 403), 403, 'forbidden'],
  ])('%s answers %i', async (_name, error, status, code) => {
    harness().aws.s3.on(ListObjectsV2Command).rejects(error);
    expectProblem(listing, await harness().call(listing), status, code);
  });

  test('credentials rejected by S3 mid-request are refreshed once and the call retried', async () => {
    const { aws } = harness();
    aws.s3.on(ListObjectsV2Command).rejectsOnce(awsError('ExpiredToken', 400)).resolves({});
    const response = await harness().call(listing);
    expect(response.statusCode, response.body).toBe(200);
    expect(aws.s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });

  test('anything unexpected answers 500 without internals', async () => {
    harness().aws.s3.on(ListObjectsV2Command).rejects(new TypeError('secret internals at line 42'));
    const response = await harness().call(listing);
    const body = expectProblem(listing, response, 500, 'internal_error');
    expect(response.body).not.toContain('secret internals');
    expect(response.body).not.toContain('TypeError');
    expect(body.detail).toBe('An unexpected error occurred.');
  });
});

describe('routing', () => {
  test('an unknown path answers 404', async () => {
    const response = await harness().call({ method: 'GET', path: '/admin' });
    expect(response.statusCode).toBe(404);
    expect(parse(response).code).toBe('not_found');
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
  });

  test.each([
    ['PUT', '/files', 'GET, DELETE'],
    ['GET', '/files/uploads', 'POST'],
    ['POST', '/me', 'GET'],
    ['PATCH', '/files/properties/', 'GET'],
  ])('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    const response = await harness().call({ method, path });
    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe(allow);
    expect(parse(response)).toMatchObject({ status: 405, code: 'method_not_allowed' });
  });
});
