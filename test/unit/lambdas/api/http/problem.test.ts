import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { problemResponse, toAppError } from '../../../../../lambdas/api/http/problem';
import { fromAwsError, isTransient } from '../../../../../lambdas/aws/errors';
import {
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
  UpstreamError,
  UpstreamTimeoutError,
  ValidationError,
} from '../../../../../shared/domain/errors';
import { awsError } from '../../../support/fixtures';

const named = (name: string, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), { name }, extra);

describe('toAppError', () => {
  test.each([
    ['Cognito TooManyRequestsException', awsError('TooManyRequestsException', 400), ThrottledError],
    ['Cognito LimitExceededException', awsError('LimitExceededException', 400), ThrottledError],
    ['S3 SlowDown', awsError('SlowDown', 503), ThrottledError],
    ['HTTP 429', awsError('Whatever', 429), ThrottledError],
    ['Cognito NotAuthorizedException', awsError('NotAuthorizedException', 400), UnauthorizedError],
    ['S3 AccessDenied', awsError('AccessDenied', 403), ForbiddenError],
    ['S3 HEAD 403', awsError('Forbidden', 403), ForbiddenError],
    ['S3 NoSuchKey', awsError('NoSuchKey', 404), NotFoundError],
    ['S3 HEAD 404', awsError('NotFound', 404), NotFoundError],
    ['S3 PreconditionFailed', awsError('PreconditionFailed', 412), ConflictError],
    ['S3 ExpiredToken', awsError('ExpiredToken', 400), UpstreamError],
    [
      'S3 InvalidAccessKeyId (a 403, but our credentials)',
      awsError('InvalidAccessKeyId', 403),
      UpstreamError,
    ],
    ['S3 InternalError', awsError('InternalError', 500), UpstreamError],
    ['Cognito InternalErrorException', awsError('InternalErrorException', 500), UpstreamError],
    ['a socket timeout', named('TimeoutError'), UpstreamTimeoutError],
    ['ETIMEDOUT', named('Error', { code: 'ETIMEDOUT' }), UpstreamTimeoutError],
    ['ECONNREFUSED', named('Error', { code: 'ECONNREFUSED' }), UpstreamError],
    ['ENOTFOUND', named('Error', { code: 'ENOTFOUND' }), UpstreamError],
    ['middy early timeout', named('TimeoutError'), UpstreamTimeoutError],
    [
      'Cognito ResourceNotFoundException (an identity or pool it no longer knows)',
      awsError('ResourceNotFoundException', 400),
      UpstreamError,
    ],
    ['a TypeError', new TypeError('x is undefined'), InternalError],
    ['a thrown string', 'oops', InternalError],
  ])('%s', (_name, error, expected) => {
    expect(toAppError(error)).toBeInstanceOf(expected);
  });

  test('keeps AppErrors as they are', () => {
    const error = ValidationError.of('key', 'bad');
    expect(toAppError(error)).toBe(error);
  });

  test('turns a zod error into a ValidationError with every issue', () => {
    const result = z.strictObject({ a: z.string(), b: z.number() }).safeParse({ b: 'x', c: 1 });
    expect(result.success).toBe(false);
    const error = toAppError(result.error);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.field).sort()).toEqual(['a', 'b', 'c']);
  });

  test('never copies AWS messages into the result', () => {
    const mapped = fromAwsError(
      awsError('AccessDenied', 403, 'User arn:aws:sts::1:assumed-role/x is not authorized'),
    );
    expect(mapped?.message).not.toContain('arn:aws');
  });

  test('retries only what may succeed later', () => {
    expect(isTransient(awsError('TooManyRequestsException', 400))).toBe(true);
    expect(isTransient(awsError('InternalErrorException', 500))).toBe(true);
    expect(isTransient(named('TimeoutError'))).toBe(true);
    expect(isTransient(awsError('NotAuthorizedException', 400))).toBe(false);
    expect(isTransient(awsError('ResourceNotFoundException', 400))).toBe(false);
  });
});

describe('problemResponse', () => {
  test('renders RFC 9457 problem+json with the request ID', () => {
    const response = problemResponse(
      new ValidationError([
        { field: 'key', message: 'bad' },
        { field: 'size', message: 'neg' },
      ]),
      'r-1',
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toEqual({
      type: 'urn:user-files-api:problem:invalid_request',
      title: 'Invalid request',
      status: 400,
      detail: 'key: bad; size: neg',
      code: 'invalid_request',
      field: 'key',
      errors: [
        { field: 'key', message: 'bad' },
        { field: 'size', message: 'neg' },
      ],
      requestId: 'r-1',
    });
  });

  test('adds Retry-After to a 503', () => {
    const response = problemResponse(new ThrottledError('busy', 7), undefined);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('7');
    expect(JSON.parse(response.body).requestId).toBeUndefined();
  });
});
