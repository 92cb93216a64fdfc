/**
 * Shared fixtures for the handler tests: a configuration, REST-API proxy events, a controllable
 * clock, and an app wired with the real adapters over aws-sdk-client-mock'ed AWS clients.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CognitoIdentityClient,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { createApp } from '../../../lambdas/api/app';
import { type Config, loadConfig } from '../../../lambdas/api/config';
import { createDeps, type DepsOptions } from '../../../lambdas/api/deps';
import { restProxyEvent } from '../../../local/apigateway/proxy-event';
import { validateResponse } from '../../support/openapi-validator';

export const ENV = {
  AWS_REGION: 'us-east-1',
  USER_POOL_ID: 'us-east-1_TestPool1',
  USER_POOL_CLIENT_IDS: 'testappclient1,testappclient2',
  IDENTITY_POOL_ID: 'us-east-1:11111111-2222-3333-4444-555555555555',
  BUCKET_NAME: 'user-files-test',
  ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:5173',
  MAX_UPLOAD_BYTES: '1048576',
  DEFAULT_URL_LIFETIME_SECONDS: '900',
  MAX_URL_LIFETIME_SECONDS: '3600',
  ACCESS_MODE: 'direct',
  AUTHENTICATED_ROLE_ARN: 'arn:aws:iam::123456789012:role/user-files-authenticated',
  DEVELOPER_PROVIDER_NAME: 'user-files.Test',
};

export const config: Config = loadConfig(ENV);

/** The identity pool's unauthenticated role: a deployment with it serves guests. */
export const GUEST_ROLE_ARN = 'arn:aws:iam::123456789012:role/user-files-unauthenticated';
export const guestConfig: Config = loadConfig({ ...ENV, UNAUTHENTICATED_ROLE_ARN: GUEST_ROLE_ARN });

/** The unauthenticated identity the mocked pool makes for `GetId` without logins. */
export const GUEST_IDENTITY_ID = 'us-east-1:99999999-0000-4000-8000-000000000000';
const GUEST_OPEN_ID_TOKEN = 'OPENID-TOKEN-guest';
export const sealedConfig: Config = loadConfig({ ...ENV, ACCESS_MODE: 'sealed' });

/** The app client the test users sign in with (one of the configured ones). */
export const APP_CLIENT_ID = 'testappclient1';

export const LISTED_ORIGIN = 'https://app.example.com';

/** Fixed start of the test clock: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

export interface TestUser {
  readonly sub: string;
  readonly username: string;
  readonly identityId: string;
  /** A JWT-shaped token with a unique marker, so tests can look for it in logs. */
  readonly token: string;
  /** The app client the token was issued to. */
  readonly aud: string;
}

export function testUser(n: number, clientId = APP_CLIENT_ID): TestUser {
  const hex = n.toString(16).padStart(12, '0');
  const sub = `0000000${n % 10}-aaaa-4bbb-8ccc-${hex}`;
  // The payload carries the same `sub` and `aud` as the claims, as a verified token's does.
  const payload = Buffer.from(JSON.stringify({ sub, aud: clientId, token_use: 'id' })).toString('base64url');
  return {
    sub,
    username: `user${n}`,
    identityId: `us-east-1:9${hex.slice(5)}-1111-4222-8333-${hex}`,
    token: `eyJhbGciOiJSUzI1NiJ9.${payload}.SECRETTOKENSIGNATURE${n}`,
    aud: clientId,
  };
}

/** The same user with a token whose verified `cognito:groups` claim lists `groups`. */
export function withGroups(user: TestUser, groups: readonly string[]): TestUser {
  const payload = Buffer.from(
    JSON.stringify({ sub: user.sub, aud: user.aud, token_use: 'id', 'cognito:groups': groups }),
  ).toString('base64url');
  return { ...user, token: `eyJhbGciOiJSUzI1NiJ9.${payload}.SECRETTOKENSIGNATURE${groups.join('-')}` };
}

export const alice = testUser(1);
export const bob = testUser(2);

/** STS credentials minted for `user`, with unmistakable secrets to search logs for. */
export function credentialsFor(user: TestUser, expiration: Date) {
  return {
    AccessKeyId: `ASIA${user.username.toUpperCase()}KEY`,
    SecretAccessKey: `SECRET-ACCESS-KEY-${user.username}`,
    SessionToken: `SESSION-TOKEN-${user.username}`,
    Expiration: expiration,
  };
}

/** The guest, as far as its credentials go: they name it, so tests can tell whose signed a URL. */
const GUEST_USER = { ...testUser(999), username: 'guest', identityId: GUEST_IDENTITY_ID };

/** The OpenID token the mocked identity pool issues for an identity (STS reads it back). */
export const openIdTokenFor = (user: TestUser) => `OPENID-TOKEN-${user.identityId}`;

export interface EventInput {
  readonly method: string;
  readonly path: string;
  readonly user?: TestUser | null;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  /** Raw body text, sent as is. */
  readonly rawBody?: string | null;
  readonly headers?: Record<string, string>;
  /** Claims to send instead of the user's (null: none). */
  readonly claims?: Record<string, string> | null;
}

export function event(input: EventInput): APIGatewayProxyEvent {
  const user = input.user === undefined ? alice : input.user;
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  if (user !== null && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    headers.Authorization = `Bearer ${user.token}`;
  }
  const claims =
    input.claims !== undefined
      ? input.claims
      : user === null
        ? null
        : { sub: user.sub, aud: user.aud, 'cognito:username': user.username, token_use: 'id' };
  const body =
    input.rawBody !== undefined
      ? input.rawBody
      : input.body === undefined
        ? null
        : JSON.stringify(input.body);
  return restProxyEvent({
    method: input.method,
    path: input.path,
    headers,
    query: input.query,
    body,
    claims,
    requestId: 'req-0001',
    received: new Date(T0),
    sourceIp: '203.0.113.7',
    domainName: 'api.example.com',
    accountId: '123456789012',
    apiId: 'test',
  });
}

export const lambdaContext = {
  awsRequestId: 'lambda-req-0001',
  functionName: 'user-files-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:user-files-api',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/user-files-api',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

export interface Clock {
  now: () => number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function clock(start = T0): Clock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/**
 * Mocks for every CognitoIdentityClient, STSClient and S3Client instance (the storage adapter
 * creates one S3 client per identity). Cognito and STS answer for `users`, with credentials valid
 * for `lifetimeMs` (or the session duration asked for, when shorter).
 */
export function mockAws(options: { users?: readonly TestUser[]; clock?: Clock; lifetimeMs?: number } = {}) {
  const cognito = mockClient(CognitoIdentityClient);
  const sts = mockClient(STSClient);
  const s3 = mockClient(S3Client);
  const users = options.users ?? [alice, bob];
  const now = options.clock?.now ?? Date.now;
  const lifetimeMs = options.lifetimeMs ?? 43_200_000;
  const notAuthorized = () =>
    Object.assign(new Error('Invalid login token.'), { name: 'NotAuthorizedException' });
  const byToken = (logins: Record<string, string> | undefined) => {
    const token = Object.values(logins ?? {})[0];
    return users.find((candidate) => candidate.token === token);
  };
  cognito.on(GetIdCommand).callsFake((input: { Logins?: Record<string, string> }) => {
    if (input.Logins === undefined) return { IdentityId: GUEST_IDENTITY_ID };
    const user = byToken(input.Logins);
    if (user === undefined) throw notAuthorized();
    return { IdentityId: user.identityId };
  });
  cognito
    .on(GetOpenIdTokenCommand)
    .callsFake((input: { IdentityId?: string; Logins?: Record<string, string> }) => {
      if (input.IdentityId === GUEST_IDENTITY_ID && input.Logins === undefined) {
        return { IdentityId: GUEST_IDENTITY_ID, Token: GUEST_OPEN_ID_TOKEN };
      }
      const owner = users.find((candidate) => candidate.identityId === input.IdentityId);
      if (owner === undefined)
        throw Object.assign(new Error('Identity not found'), { name: 'ResourceNotFoundException' });
      if (byToken(input.Logins) !== owner) throw notAuthorized();
      return { IdentityId: owner.identityId, Token: openIdTokenFor(owner) };
    });
  cognito
    .on(GetOpenIdTokenForDeveloperIdentityCommand)
    .callsFake((input: { IdentityPoolId?: string; Logins?: Record<string, string> }) => {
      const login = input.Logins?.[sealedConfig.developerProviderName ?? ''];
      const user = users.find((candidate) => login === `${sealedConfig.userPoolId}:${candidate.sub}`);
      if (user === undefined || input.IdentityPoolId !== sealedConfig.identityPoolId) throw notAuthorized();
      return { IdentityId: user.identityId, Token: openIdTokenFor(user) };
    });
  sts
    .on(AssumeRoleWithWebIdentityCommand)
    .callsFake((input: { RoleArn?: string; WebIdentityToken?: string; DurationSeconds?: number }) => {
      // As the roles' trust policies decide: a guest token assumes only the guest role, and back.
      const guest = input.WebIdentityToken === GUEST_OPEN_ID_TOKEN;
      if (guest !== (input.RoleArn === GUEST_ROLE_ARN)) {
        throw Object.assign(new Error('Not authorized'), { name: 'AccessDenied' });
      }
      if (guest) {
        const life = Math.min(lifetimeMs, (input.DurationSeconds ?? 3600) * 1000);
        return {
          Credentials: credentialsFor(GUEST_USER, new Date(now() + life)),
          SubjectFromWebIdentityToken: GUEST_IDENTITY_ID,
        };
      }
      const user = users.find((candidate) => openIdTokenFor(candidate) === input.WebIdentityToken);
      if (user === undefined)
        throw Object.assign(new Error('Invalid token'), { name: 'InvalidIdentityTokenException' });
      const life = Math.min(lifetimeMs, (input.DurationSeconds ?? 3600) * 1000);
      return {
        Credentials: credentialsFor(user, new Date(now() + life)),
        SubjectFromWebIdentityToken: user.identityId,
      };
    });
  return { cognito, sts, s3 };
}

/** A logger that writes into `lines` (one parsed-or-raw entry per write) instead of stdout. */
export function capturingLogger(): { logger: Logger; output: () => string } {
  const chunks: string[] = [];
  const logger = new Logger({ serviceName: 'user-files-api-test', logLevel: 'DEBUG' });
  // Powertools writes through its own Console on process.stdout/stderr; swap it for a collector.
  const collect = (...parts: unknown[]) => {
    chunks.push(parts.map(String).join(' '));
  };
  Object.defineProperty(logger, 'console', {
    value: { log: collect, info: collect, warn: collect, error: collect, debug: collect, trace: collect },
  });
  return { logger, output: () => chunks.join('\n') };
}

export function testApp(options: DepsOptions & { config?: Config } = {}) {
  const deps = createDeps(options.config ?? config, {
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, sleep: async () => undefined },
    logger: options.logger ?? capturingLogger().logger,
    ...options,
  });
  const app = createApp(deps);
  return {
    deps,
    call: (input: EventInput | APIGatewayProxyEvent) =>
      app('httpMethod' in input ? input : event(input), lambdaContext) as Promise<APIGatewayProxyResult>,
  };
}

export function parse(response: APIGatewayProxyResult): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

/** An AWS service error as the SDK raises it (name, fault, HTTP status). */
export function awsError(
  name: string,
  httpStatusCode: number,
  message = `${name} from AWS`,
): S3ServiceException {
  return new S3ServiceException({
    name,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'aws-request-id' },
  });
}

/** Asserts the response matches openapi.yaml for the request that produced it. */
export function expectContract(request: EventInput, response: APIGatewayProxyResult): void {
  const contentType = response.headers?.['Content-Type'];
  expect(() =>
    validateResponse(
      request.method,
      request.path,
      response.statusCode,
      typeof contentType === 'string' ? contentType : undefined,
      response.body,
      response.headers,
    ),
  ).not.toThrow();
}

/** Asserts a 400 problem naming `field`, valid against the contract. */
export function expectBadRequest(request: EventInput, response: APIGatewayProxyResult, field: string): void {
  expect(response.statusCode, response.body).toBe(400);
  expect(response.headers?.['Content-Type']).toBe('application/problem+json');
  const body = parse(response);
  expect(body.code).toBe('invalid_request');
  expect(body.field).toBe(field);
  expect((body.errors as Array<{ field: string }>).map((issue) => issue.field)).toContain(field);
  expect(response.body).not.toContain('X-Amz-Signature');
  expectContract(request, response);
}

export interface Harness {
  readonly clock: Clock;
  readonly aws: ReturnType<typeof mockAws>;
  readonly app: ReturnType<typeof testApp>;
  /** Spies on every storage operation: bad input must reach none of them. */
  readonly storageCalls: () => number;
  readonly call: (input: EventInput) => Promise<APIGatewayProxyResult>;
}

/** A fresh instance per test (new caches, new mocks), torn down after it. */
export function useHarness(options: { lifetimeMs?: number; config?: Config } = {}): () => Harness {
  let current: Harness | undefined;
  beforeEach(() => {
    const testClock = clock();
    const aws = mockAws({ clock: testClock, lifetimeMs: options.lifetimeMs });
    const app = testApp({ now: testClock.now, ...(options.config ? { config: options.config } : {}) });
    const storage = app.deps.storage as unknown as Record<string, (...args: unknown[]) => unknown>;
    const spies = Object.keys(storage).map((name) => vi.spyOn(storage, name));
    current = {
      clock: testClock,
      aws,
      app,
      storageCalls: () => spies.reduce((total, spy) => total + spy.mock.calls.length, 0),
      call: (input) => app.call(input),
    };
  });
  afterEach(() => {
    current?.aws.cognito.restore();
    current?.aws.sts.restore();
    current?.aws.s3.restore();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('useHarness() is only available inside a test');
    return current;
  };
}
