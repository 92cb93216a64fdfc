/**
 * Structured JSON logs with a correlation ID. What is logged is chosen field by field: never the
 * event, headers, body or query (they carry the ID token and file names), never credentials, never
 * a presigned URL. AWS error messages are left out too (they name ARNs and keys).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { InternalError } from '../shared/domain/errors';
import { problemResponse, toAppError } from './api/http/problem';
import { readHeader } from './api/http/request';
import { httpStatusOf } from './aws/errors';

const SERVICE_NAME = 'user-files-api';

/** Log level from POWERTOOLS_LOG_LEVEL / AWS_LAMBDA_LOG_LEVEL, as Powertools reads them. */
export function createLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME });
}

// A caller-supplied correlation ID is echoed only if it is short and plain, so it cannot smuggle
// anything into logs or response headers.
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** API Gateway's request ID, or Lambda's when invoked directly. */
function requestIdOf(event: APIGatewayProxyEvent, context: Context | undefined): string | undefined {
  return event.requestContext?.requestId ?? context?.awsRequestId ?? undefined;
}

function correlationIdOf(event: APIGatewayProxyEvent, context: Context | undefined): string | undefined {
  const given = readHeader(event, 'x-correlation-id');
  if (given !== undefined && CORRELATION_ID.test(given)) return given;
  return requestIdOf(event, context);
}

type Request = middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

/**
 * Sets the correlation ID on the logger, writes one access-log line per request and echoes the
 * ID as `X-Correlation-Id`. Its `onError` runs after `problemResponses`, so it logs the final status.
 */
export function requestLogging(
  logger: Logger,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const started = new WeakMap<Request, number>();
  const finish = (request: Request) => {
    const response = request.response;
    if (response == null) return;
    const correlationId = logger.getCorrelationId();
    if (typeof correlationId === 'string') {
      response.headers = { ...response.headers, 'X-Correlation-Id': correlationId };
    }
    const start = started.get(request);
    logger.info('request', {
      http: {
        method: request.event.httpMethod,
        route: request.event.resource ?? request.event.path,
        status: response.statusCode,
        durationMs: start === undefined ? undefined : Math.round((performance.now() - start) * 1000) / 1000,
      },
    });
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
      const correlationId = correlationIdOf(request.event, request.context);
      if (correlationId !== undefined) logger.setCorrelationId(correlationId);
    },
    after: finish,
    onError: finish,
  };
}

/**
 * Turns any error into its problem response (see `problem.ts`) and logs failures that are ours or
 * upstream's: 5xx always, with the full error only for the unexpected ones.
 */
export function problemResponses(
  logger: Logger,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return {
    onError: (request) => {
      const error = toAppError(request.error);
      if (error instanceof InternalError) {
        logger.error('unhandled error', { error: describeUnexpected(request.error) });
      } else if (error.status >= 500) {
        logger.warn('upstream failure', { problem: error.code, cause: describeCause(request.error) });
      }
      // Set, not returned: returning would stop the remaining onError middlewares (CORS, logging).
      request.response = problemResponse(error, requestIdOf(request.event, request.context));
    },
  };
}

/** Name and status of an upstream error, nothing else. */
function describeCause(error: unknown): { name?: string; httpStatusCode?: number } {
  if (typeof error !== 'object' || error === null) return {};
  const { name } = error as { name?: unknown };
  return { name: typeof name === 'string' ? name : undefined, httpStatusCode: httpStatusOf(error) };
}

// An unexpected error's message may quote anything it was handed: a URL, a token, a key. Keep its
// shape for diagnosis and blank out URLs and every long token-like run (JWTs, access keys, secrets,
// session tokens, signatures).
const URLS = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
const TOKEN_LIKE = /[A-Za-z0-9+/=_.%-]{20,}/g;

function redact(text: string): string {
  return text.replace(URLS, '[url]').replace(TOKEN_LIKE, '[redacted]');
}

/** Type, redacted message and stack frames (without the message V8 puts in the stack's first line). */
function describeUnexpected(error: unknown): { name: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: '[not an Error]' };
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return { name: error.name, message: redact(error.message), stack: frames.join('\n') };
}
