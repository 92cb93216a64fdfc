/**
 * How the local gateway writes its answers: its own (problems, 429s, the bare 403 outside the stage,
 * CORS preflights) with the CORS headers the deployed stack gives them, and the function's proxy
 * results as API Gateway sends them on.
 */
import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { rateLimitedProblem } from '../../lib/gateway-problems';
import { PROBLEM_TYPE_PREFIX } from '../../shared/domain/errors';
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_MAX_AGE_SECONDS } from '../../shared/http/cors';
import type { GatewayAnswer } from './gateway-answers';

// The stack's `defaultCorsPreflightOptions` (lib/api-function.ts), as API Gateway's mock answers them.
const PREFLIGHT_ALLOW_HEADERS = CORS_ALLOWED_HEADERS.join(',');
const PREFLIGHT_ALLOW_METHODS = CORS_ALLOWED_METHODS.join(',');
const PREFLIGHT_MAX_AGE = String(CORS_MAX_AGE_SECONDS);
const PROBLEM_JSON = 'application/problem+json';

export interface Responder {
  problem(res: ServerResponse, answer: GatewayAnswer, requestId: string): void;
  rateLimited(res: ServerResponse, retryAfterSeconds: number, requestId: string): void;
  /** Outside the stage there is no API at all: API Gateway answers a bare 403 there. */
  forbidden(res: ServerResponse, requestId: string): void;
  preflight(res: ServerResponse, origin: string | undefined, requestId: string): void;
  result(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void;
}

export function responder(allowedOrigins: readonly string[]): Responder {
  const [firstOrigin, ...otherOrigins] = allowedOrigins;
  if (!firstOrigin) throw new TypeError('allowedOrigins must name at least one origin');
  // Gateway responses take static header values only: the deployed stack sends the first origin.
  const gatewayCors = {
    'Access-Control-Allow-Origin': firstOrigin,
    'Access-Control-Allow-Headers': PREFLIGHT_ALLOW_HEADERS,
  };
  const sendJson = (
    res: ServerResponse,
    status: number,
    { cors, contentType, body }: { cors: boolean; contentType: string; body: string },
    headers: Record<string, string>,
  ) => {
    res.writeHead(status, {
      ...(cors ? gatewayCors : {}),
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };
  return {
    problem: (res, answer, requestId) =>
      sendJson(
        res,
        answer.problem.status,
        { cors: true, contentType: PROBLEM_JSON, body: problemBody(answer, requestId) },
        problemHeaders(answer, requestId),
      ),
    rateLimited: (res, retryAfterSeconds, requestId) =>
      sendJson(
        res,
        429,
        {
          cors: true,
          contentType: PROBLEM_JSON,
          body: JSON.stringify({ ...rateLimitedProblem(retryAfterSeconds), requestId }),
        },
        { 'Retry-After': String(retryAfterSeconds), 'x-amzn-RequestId': requestId },
      ),
    forbidden: (res, requestId) =>
      sendJson(
        res,
        403,
        { cors: false, contentType: 'application/json', body: JSON.stringify({ message: 'Forbidden' }) },
        { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': 'ForbiddenException' },
      ),
    // As CDK's mock integration answers it: an allowed origin is echoed, else the first.
    preflight: (res, origin, requestId) => {
      res.writeHead(204, {
        'Access-Control-Allow-Headers': PREFLIGHT_ALLOW_HEADERS,
        'Access-Control-Allow-Methods': PREFLIGHT_ALLOW_METHODS,
        'Access-Control-Allow-Origin': origin && otherOrigins.includes(origin) ? origin : firstOrigin,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
        Vary: 'Origin',
        'x-amzn-RequestId': requestId,
      });
      res.end();
    },
    result: sendResult,
  };
}

function problemBody({ problem, detail }: GatewayAnswer, requestId: string): string {
  return JSON.stringify({
    type: `${PROBLEM_TYPE_PREFIX}${problem.code}`,
    title: problem.title,
    status: problem.status,
    code: problem.code,
    detail,
    requestId,
  });
}

function problemHeaders({ problem, errorType }: GatewayAnswer, requestId: string): Record<string, string> {
  return {
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': errorType,
    ...(problem.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(problem.retryAfterSeconds) }),
  };
}

function sendResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  res.statusCode = result.statusCode;
  for (const { name, values } of responseHeaders(result).values()) {
    res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  }
  res.setHeader('x-amzn-RequestId', requestId);
  const body = result.body ?? '';
  const bytes = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  // API Gateway's default when the function sets none.
  if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

/**
 * A proxy result's headers as API Gateway sends them: `headers` and `multiValueHeaders` merged,
 * a value given in both appearing once.
 */
function responseHeaders(result: APIGatewayProxyResult): Map<string, { name: string; values: string[] }> {
  const merged = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: string) => {
    const entry = merged.get(name.toLowerCase()) ?? { name, values: [] };
    if (!entry.values.includes(value)) entry.values.push(value);
    merged.set(name.toLowerCase(), entry);
  };
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    for (const value of values) add(name, String(value));
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) add(name, String(value));
  return merged;
}
