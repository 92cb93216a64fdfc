/**
 * The problem documents API Gateway itself answers with (its "gateway responses"), in the same
 * RFC 9457 shape the handler uses, so a client parses every error of the API one way.
 *
 * Every entry pins its own status code. API Gateway applies a status code set on DEFAULT_4XX or
 * DEFAULT_5XX to every response type of that class that is not customised itself, so listing the
 * types we expect keeps their natural status (401, 404, 429...) while the fallbacks still send a
 * body whose `status` equals the real HTTP status. Pure data: no CDK types, so the local API
 * adapter can use the same table.
 */

import { PROBLEM_TYPE_PREFIX, type ProblemCode } from '../shared/domain/errors';

export interface GatewayProblem {
  /** API Gateway's response type, as in `AWS::ApiGateway::GatewayResponse.ResponseType`. */
  readonly responseType: string;
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string;
  /** Sent as `Retry-After` (seconds) with the response. */
  readonly retryAfterSeconds?: number;
  /**
   * The `detail`, when API Gateway's own message does not tell a client what to do (it is just
   * "Unauthorized", or "Missing Authentication Token" for a route that does not exist).
   */
  readonly detail?: string;
}

/** What every 401 of the API expects instead. */
export const UNAUTHORIZED_DETAIL =
  "Unauthorized: send the signed-in user's Cognito ID token (AuthenticationResult.IdToken, not the access token), unexpired, in the Authorization header.";
/** What an unknown path or method means: API Gateway's "Missing Authentication Token" misleads. */
export const NO_SUCH_ROUTE_DETAIL = 'no such route: check the method and path';

export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  // Missing, malformed or expired ID token (or an access token): the Cognito authorizer answers this.
  {
    responseType: 'UNAUTHORIZED',
    status: 401,
    code: 'unauthorized',
    title: 'Unauthorized',
    detail: UNAUTHORIZED_DETAIL,
  },
  // A REST API answers an unknown resource or method with "Missing Authentication Token" (403);
  // for clients that is simply a route that does not exist.
  {
    responseType: 'MISSING_AUTHENTICATION_TOKEN',
    status: 404,
    code: 'not_found',
    title: 'Not Found',
    detail: NO_SUCH_ROUTE_DETAIL,
  },
  { responseType: 'RESOURCE_NOT_FOUND', status: 404, code: 'not_found', title: 'Not Found' },
  { responseType: 'ACCESS_DENIED', status: 403, code: 'forbidden', title: 'Forbidden' },
  { responseType: 'EXPIRED_TOKEN', status: 403, code: 'forbidden', title: 'Forbidden' },
  { responseType: 'INVALID_SIGNATURE', status: 403, code: 'forbidden', title: 'Forbidden' },
  { responseType: 'INVALID_API_KEY', status: 403, code: 'forbidden', title: 'Forbidden' },
  { responseType: 'WAF_FILTERED', status: 403, code: 'forbidden', title: 'Forbidden' },
  { responseType: 'BAD_REQUEST_PARAMETERS', status: 400, code: 'invalid_request', title: 'Bad Request' },
  { responseType: 'BAD_REQUEST_BODY', status: 400, code: 'invalid_request', title: 'Bad Request' },
  { responseType: 'REQUEST_TOO_LARGE', status: 413, code: 'invalid_request', title: 'Request Too Large' },
  {
    responseType: 'UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    code: 'invalid_request',
    title: 'Unsupported Media Type',
  },
  // Stage throttling refills every second; usage-plan quotas (none are configured) take longer.
  {
    responseType: 'THROTTLED',
    status: 429,
    code: 'throttled',
    title: 'Too Many Requests',
    retryAfterSeconds: 1,
  },
  {
    responseType: 'QUOTA_EXCEEDED',
    status: 429,
    code: 'throttled',
    title: 'Too Many Requests',
    retryAfterSeconds: 60,
  },
  { responseType: 'DEFAULT_4XX', status: 400, code: 'invalid_request', title: 'Bad Request' },
  {
    responseType: 'AUTHORIZER_CONFIGURATION_ERROR',
    status: 500,
    code: 'internal_error',
    title: 'Internal Server Error',
  },
  { responseType: 'AUTHORIZER_FAILURE', status: 500, code: 'internal_error', title: 'Internal Server Error' },
  {
    responseType: 'API_CONFIGURATION_ERROR',
    status: 500,
    code: 'internal_error',
    title: 'Internal Server Error',
  },
  // The function failed or returned something that is not a proxy result.
  { responseType: 'INTEGRATION_FAILURE', status: 502, code: 'internal_error', title: 'Bad Gateway' },
  { responseType: 'INTEGRATION_TIMEOUT', status: 504, code: 'upstream_timeout', title: 'Gateway Timeout' },
  { responseType: 'DEFAULT_5XX', status: 500, code: 'internal_error', title: 'Internal Server Error' },
];

/**
 * The body template of one gateway response. `$context.error.messageString` is API Gateway's
 * message already quoted as a JSON string; `$context.requestId` is a plain UUID.
 */
export function gatewayProblemTemplate(problem: GatewayProblem): string {
  const fixed = JSON.stringify({
    type: `${PROBLEM_TYPE_PREFIX}${problem.code}`,
    title: problem.title,
    status: problem.status,
    code: problem.code,
  });
  // A fixed detail is data, not a template: `$` and `#` would be read as VTL.
  if (problem.detail !== undefined && /[$#\\]/.test(problem.detail)) {
    throw new Error(`the detail of ${problem.responseType} must not hold $, # or \\`);
  }
  const detail =
    problem.detail === undefined ? '$context.error.messageString' : JSON.stringify(problem.detail);
  return `${fixed.slice(0, -1)},"detail":${detail},"requestId":"$context.requestId"}`;
}

/**
 * The answer to a caller over a request limit (WAF's custom response when deployed, the local API
 * adapter's): a static problem document, as WAF can send no per-request values. `counted` names
 * what the limit counts: a signed-in user, or the client address of the guest routes.
 */
export function rateLimitedProblem(
  retryAfterSeconds: number,
  counted: 'user' | 'address' = 'user',
): Record<string, string | number> {
  return {
    type: `${PROBLEM_TYPE_PREFIX}rate_limited`,
    title: 'Too Many Requests',
    status: 429,
    code: 'rate_limited',
    detail: `Too many requests from this ${counted}; retry after ${retryAfterSeconds} seconds.`,
  };
}
