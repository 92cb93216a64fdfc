/**
 * The Lambda proxy integration's side of an invocation: the handler the stack deploys, called in
 * process with a Lambda-like context, failing like a timed-out function past its timeout, and its
 * answer checked for the proxy result shape API Gateway requires.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

export type LambdaProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

export const ACCOUNT_ID = '000000000000';
const FUNCTION_NAME = 'user-files-api-local';

/** The handler's answer (unchecked), or a rejection: its own, or the timeout's. */
export type Invoker = (event: APIGatewayProxyEvent, started: number) => Promise<unknown>;

export function invoker(handler: LambdaProxyHandler, timeoutMs: number, region: string): Invoker {
  return async (event, started) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([handler(event, lambdaContext(started + timeoutMs, region)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function lambdaContext(deadline: number, region: string): Context {
  const awsRequestId = randomUUID();
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

export function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  if (!Number.isInteger(result.statusCode)) return false;
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') return false;
  if (result.headers !== undefined && (typeof result.headers !== 'object' || result.headers === null))
    return false;
  const multi = result.multiValueHeaders;
  if (multi === undefined) return true;
  return typeof multi === 'object' && multi !== null && Object.values(multi).every(Array.isArray);
}
