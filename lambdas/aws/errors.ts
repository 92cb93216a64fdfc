/**
 * Classifies AWS SDK (and transport) errors into the API's error hierarchy. The HTTP mapping itself
 * happens once, in `lambdas/api/http/problem.ts`; this module only decides which AppError a failure is.
 * Messages from AWS are never copied into the result: they name ARNs, keys and roles.
 */

import type { AppError } from '../../shared/domain/errors';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../../shared/domain/errors';

/** Seconds a throttled caller is told to wait. Cognito's GetId quota refills every second. */
const THROTTLED_RETRY_AFTER_SECONDS = 1;

const THROTTLING = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'SlowDown',
  'RequestLimitExceeded',
]);

const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT']);

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'NetworkingError',
]);

/**
 * S3 refused the signing credentials, where S3 could not say so by name: it answers a HEAD with a
 * status and no body, so the SDK names every HEAD error `Unknown`.
 */
export class RejectedCredentialsError extends Error {
  override name = 'RejectedCredentials';
}

/** S3 refusing the credentials themselves (not the action): expired or unknown keys. */
const REJECTED_CREDENTIALS = new Set([
  'RejectedCredentials',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'InvalidAccessKeyId',
  'TokenRefreshRequired',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

function shape(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
}

function names(error: unknown): string[] {
  const { name, code, Code } = shape(error);
  return [name, code, Code].filter((value): value is string => typeof value === 'string');
}

/** The HTTP status an AWS SDK error carries, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  const value = shape(error).$metadata?.httpStatusCode;
  return typeof value === 'number' ? value : undefined;
}

const any = (error: unknown, set: ReadonlySet<string>) => names(error).some((name) => set.has(name));

export function isThrottling(error: unknown): boolean {
  return (
    any(error, THROTTLING) || httpStatusOf(error) === 429 || shape(error).$retryable?.throttling === true
  );
}

function isTimeout(error: unknown): boolean {
  // The SDK's HTTP handler renames a dropped connection (ECONNRESET, EPIPE) `TimeoutError` to get
  // it retried; the upstream failed rather than ran slow, so it is not a timeout here.
  return any(error, TIMEOUTS) && !isNetworkFailure(error);
}

function isNetworkFailure(error: unknown): boolean {
  return any(error, NETWORK);
}

function isServerFailure(error: unknown): boolean {
  const code = httpStatusOf(error);
  return (code !== undefined && code >= 500) || names(error).includes('InternalErrorException');
}

/** Worth another attempt: throttling, timeouts, network failures and upstream 5xx. */
export function isTransient(error: unknown): boolean {
  return isThrottling(error) || isTimeout(error) || isNetworkFailure(error) || isServerFailure(error);
}

export function isRejectedCredentials(error: unknown): boolean {
  return any(error, REJECTED_CREDENTIALS);
}

/** Cognito no longer accepting a cached identity ID for these logins. */
export function isStaleIdentity(error: unknown): boolean {
  return names(error).some(
    (name) => name === 'ResourceNotFoundException' || name === 'NotAuthorizedException',
  );
}

export function isNotFound(error: unknown): boolean {
  return (
    names(error).some((name) => name === 'NotFound' || name === 'NoSuchKey') || httpStatusOf(error) === 404
  );
}

/**
 * The AppError an AWS failure stands for, or undefined when it is not recognisably one (the caller
 * then answers 500 without internals).
 */
export function fromAwsError(error: unknown): AppError | undefined {
  if (isThrottling(error)) {
    return new ThrottledError('an upstream service is throttling requests', THROTTLED_RETRY_AFTER_SECONDS);
  }
  if (isTimeout(error)) return new UpstreamTimeoutError('an upstream service did not answer in time');
  const all = names(error);
  if (all.includes('NotAuthorizedException')) {
    return new UnauthorizedError('the identity pool refused the ID token');
  }
  // Before the 403 test: S3 answers InvalidAccessKeyId with 403, but it is our credentials' fault.
  if (isRejectedCredentials(error)) return new UpstreamError('storage rejected the signing credentials');
  if (all.includes('AccessDenied') || httpStatusOf(error) === 403) {
    return new ForbiddenError('storage refused this request for your identity');
  }
  if (isNotFound(error)) return new NotFoundError('no such object');
  if (all.includes('PreconditionFailed') || httpStatusOf(error) === 412) {
    return new ConflictError('the object already exists');
  }
  if (isNetworkFailure(error) || isServerFailure(error)) {
    return new UpstreamError('an upstream service failed');
  }
  // The identity pool no longer knows (or links) the cached identity: the cache has forgotten it
  // (see identity.ts), so this is a passing upstream refusal, not our bug.
  if (all.includes('ResourceNotFoundException') || all.includes('InvalidParameterException')) {
    return new UpstreamError('the identity pool refused this identity');
  }
  return undefined;
}
