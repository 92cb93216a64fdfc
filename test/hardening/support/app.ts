/**
 * The real handler wired to given endpoints, as `AWS_ENDPOINT_URL_COGNITO_IDENTITY` (and `_STS`)
 * and `AWS_ENDPOINT_URL_S3` would wire it: real SDK clients, the production retry policy and timeouts
 * (a hang test may shorten the per-attempt timeout, so it takes a second, not ten), and a Lambda
 * context whose remaining time the test chooses.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { expect } from 'vitest';
import { createApp } from '../../../lambdas/api/app';
import { createDeps } from '../../../lambdas/api/deps';
import {
  COGNITO_TIMEOUTS,
  createCognitoIdentityClient,
  createStsClient,
} from '../../../lambdas/aws/identity';
import { DEFAULT_RETRY, type RetryOptions } from '../../../lambdas/aws/retry';
import { S3_TIMEOUTS } from '../../../lambdas/aws/storage';
import {
  capturingLogger,
  config,
  type EventInput,
  event,
  expectContract,
  lambdaContext,
  parse,
} from '../../unit/support/fixtures';

/** Per-attempt timeout in the hang tests; everything else is as deployed. */
export const ATTEMPT_TIMEOUT_MS = 250;

export interface AppOptions {
  readonly cognito: string;
  readonly s3: string;
  /**
   * Cut each attempt to this service after ATTEMPT_TIMEOUT_MS. Only for the service a hang test
   * hangs: on a loaded machine a healthy loopback answer can take longer, and would read as a timeout.
   */
  readonly shortTimeouts?: 'cognito' | 's3';
  /** What `context.getRemainingTimeInMillis()` starts from. @default 10000, the deployed timeout */
  readonly remainingMs?: number;
  readonly retry?: RetryOptions;
}

export interface Outcome {
  readonly response: APIGatewayProxyResult;
  readonly ms: number;
}

export function appAgainst(options: AppOptions) {
  const shorten = <T extends object>(timeouts: T, service: AppOptions['shortTimeouts']) =>
    options.shortTimeouts === service
      ? { ...timeouts, connectionTimeout: ATTEMPT_TIMEOUT_MS, requestTimeout: ATTEMPT_TIMEOUT_MS }
      : timeouts;
  const { logger, output } = capturingLogger();
  const deps = createDeps(config, {
    cognitoClient: createCognitoIdentityClient(config.region, {
      endpoint: options.cognito,
      requestHandler: shorten(COGNITO_TIMEOUTS, 'cognito'),
    }),
    // STS is served by the same fake as Cognito.
    stsClient: createStsClient(config.region, {
      endpoint: options.cognito,
      requestHandler: shorten(COGNITO_TIMEOUTS, 'cognito'),
    }),
    s3ClientConfig: {
      endpoint: options.s3,
      forcePathStyle: true,
      requestHandler: shorten(S3_TIMEOUTS, 's3'),
    },
    retry: options.retry ?? DEFAULT_RETRY,
    logger,
  });
  const app = createApp(deps);
  return {
    logs: output,
    async call(input: EventInput): Promise<Outcome> {
      const started = performance.now();
      const deadline = Date.now() + (options.remainingMs ?? 10_000);
      const response = await app(event(input), {
        ...lambdaContext,
        getRemainingTimeInMillis: () => deadline - Date.now(),
      });
      return { response, ms: performance.now() - started };
    },
  };
}

/**
 * A problem response with this status and code, valid against openapi.yaml, that leaks nothing:
 * no upstream message, no credentials, no URL, no stack.
 */
export function expectProblem(
  request: EventInput,
  response: APIGatewayProxyResult,
  status: number,
  code: string,
): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers?.['Content-Type']).toBe('application/problem+json');
  expect(parse(response)).toMatchObject({ status, code, type: `urn:user-files-api:problem:${code}` });
  for (const leak of ['(fake)', 'ASIAFAKE', 'fake-secret', 'X-Amz-Signature', 'http://', ' at ']) {
    expect(response.body).not.toContain(leak);
  }
  expectContract(request, response);
}
