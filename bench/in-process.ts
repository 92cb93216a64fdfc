/**
 * The warm handler path in process, against the physical limit of its work. The app is the real
 * one (`createApp(createDeps(...))`: middy, router, CORS, logging, problem mapping, the identity and
 * storage adapters with their caches); only Cognito and STS are substituted, through the deps'
 * injectable clients mocked with aws-sdk-client-mock. Presigning is real, with real S3 clients. None of the
 * signed-in routes measured calls S3 itself (an upload without `overwrite: false` needs no HEAD); the
 * permanent link makes one HEAD, answered in process so that the handler's own work is measured.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CognitoIdentityClient,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createApp } from '../lambdas/api/app';
import { type Config, loadConfig } from '../lambdas/api/config';
import { createDeps, type DepsOptions } from '../lambdas/api/deps';
import { restProxyEvent } from '../local/apigateway/proxy-event';
import { measureRounds, type RoundsOptions, type Summary, summarize } from './stats';

/** The function's environment as the stack sets it (ids shaped like real ones). */
export const BENCH_ENV = {
  AWS_REGION: 'us-east-1',
  USER_POOL_ID: 'us-east-1_BenchPool1',
  USER_POOL_CLIENT_IDS: '1example23456789abcdefghij',
  IDENTITY_POOL_ID: 'us-east-1:0b3c5d7e-1f2a-4b6c-8d9e-0a1b2c3d4e5f',
  BUCKET_NAME: 'user-files-bench',
  ALLOWED_ORIGINS: 'https://app.example.com',
  ACCESS_MODE: 'sealed',
  AUTHENTICATED_ROLE_ARN: 'arn:aws:iam::123456789012:role/user-files-bench-authenticated',
  DEVELOPER_PROVIDER_NAME: 'user-files.UserFilesApi',
  SESSION_DURATION_SECONDS: '43200',
  UNAUTHENTICATED_ROLE_ARN: 'arn:aws:iam::123456789012:role/user-files-bench-unauthenticated',
} as const;

/** The deployment's guest identity, as the mocked pool makes it for `GetId` without logins. */
const GUEST: BenchUser = {
  sub: 'guest',
  username: 'guest',
  identityId: 'us-east-1:99999999-0000-4000-8000-000000000000',
  idToken: '',
};

export interface BenchUser {
  readonly sub: string;
  readonly username: string;
  readonly identityId: string;
  /** JWT-shaped: the authorizer has verified it already; the handler only passes it to Cognito. */
  readonly idToken: string;
}

/** A bench user; with `groups`, the token carries them as a verified `cognito:groups` claim does. */
export function benchUser(n: number, groups?: readonly string[]): BenchUser {
  const hex = n.toString(16).padStart(12, '0');
  const sub = `5a1e0000-0000-4000-8000-${hex}`;
  // The payload's `sub` matches the claims, as a verified token's does (the handler checks).
  const payload = Buffer.from(
    JSON.stringify({
      sub,
      aud: BENCH_ENV.USER_POOL_CLIENT_IDS,
      ...(groups === undefined ? {} : { 'cognito:groups': groups }),
      pad: 'x'.repeat(600),
    }),
  ).toString('base64url');
  return {
    sub,
    username: `bench-user-${n}`,
    identityId: `us-east-1:1d000000-0000-4000-8000-${hex}`,
    // A real ID token is about 1 KB; its size matters only for header handling.
    idToken: `eyJraWQiOiJiZW5jaCIsImFsZyI6IlJTMjU2In0.${payload}.${'s'.repeat(342)}`,
  };
}

/** The headers a browser's request arrives with behind CloudFront, as the function sees them. */
function browserHeaders(user: BenchUser): Record<string, string> {
  return {
    Accept: 'application/json',
    'Accept-Encoding': 'gzip, deflate, br',
    Authorization: `Bearer ${user.idToken}`,
    'CloudFront-Forwarded-Proto': 'https',
    'CloudFront-Viewer-Country': 'DE',
    'Content-Type': 'application/json',
    Host: 'abc123.execute-api.us-east-1.amazonaws.com',
    Origin: 'https://app.example.com',
    'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)',
    Via: '2.0 0123456789abcdef.cloudfront.net (CloudFront)',
    'X-Amz-Cf-Id': 'bench-cf-id',
    'X-Amzn-Trace-Id': 'Root=1-00000000-000000000000000000000000',
    'X-Forwarded-For': '203.0.113.7, 198.51.100.1',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
}

/** A REST API proxy event as API Gateway builds it behind the Cognito user-pools authorizer. */
export function apiEvent(
  user: BenchUser,
  method: string,
  path: string,
  body?: unknown,
  requestId = 'c0ffee00-0000-4000-8000-000000000000',
): APIGatewayProxyEvent {
  return restProxyEvent({
    method,
    path,
    headers: browserHeaders(user),
    body: body === undefined ? null : JSON.stringify(body),
    claims: {
      sub: user.sub,
      'cognito:username': user.username,
      email: `${user.username}@example.com`,
      email_verified: 'true',
      aud: BENCH_ENV.USER_POOL_CLIENT_IDS,
      iss: `https://cognito-idp.us-east-1.amazonaws.com/${BENCH_ENV.USER_POOL_ID}`,
      token_use: 'id',
      auth_time: '1767225600',
      exp: 'Thu Jan 01 01:00:00 UTC 2026',
      iat: 'Thu Jan 01 00:00:00 UTC 2026',
    },
    requestId,
    extendedRequestId: 'bench-extended',
    received: new Date(1767225600000),
    sourceIp: '203.0.113.7',
    domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
    accountId: '123456789012',
    apiId: 'abc123',
  });
}

export const lambdaContext: Context = {
  awsRequestId: 'c0ffee00-0000-4000-8000-000000000001',
  functionName: 'user-files-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:user-files-api',
  memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/user-files-api',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/**
 * The handler's real logger (same level, same JSON formatting), writing into a stream that drops
 * the bytes: the work of logging is measured, not the terminal.
 */
export function discardingLogger(): Logger {
  const logger = new Logger({ serviceName: 'user-files-api', logLevel: 'INFO' });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  Object.defineProperty(logger, 'console', { value: new Console({ stdout: sink, stderr: sink }) });
  return logger;
}

/** Upstream calls the identity adapter made, by operation. */
export interface UpstreamCalls {
  readonly getId: number;
  readonly getOpenIdToken: number;
  readonly developerToken: number;
  readonly assumeRole: number;
}

/** All of them: Cognito Identity plus STS. */
export const totalCalls = (calls: UpstreamCalls) =>
  calls.getId + calls.getOpenIdToken + calls.developerToken + calls.assumeRole;

/**
 * A Cognito Identity client and an STS client whose `send` answer for `users` in either access
 * mode (STS sessions as long as asked, from `now()`), counting the calls. Only these instances are
 * mocked.
 */
export function mockedCognito(users: readonly BenchUser[], now: () => number = Date.now) {
  const client = new CognitoIdentityClient({ region: BENCH_ENV.AWS_REGION });
  const sts = new STSClient({ region: BENCH_ENV.AWS_REGION });
  const mock = mockClient(client);
  const stsMock = mockClient(sts);
  const byToken = new Map(users.map((user) => [user.idToken, user]));
  const byIdentity = new Map(users.map((user) => [user.identityId, user]));
  const byLogin = new Map(users.map((user) => [`${BENCH_ENV.USER_POOL_ID}:${user.sub}`, user]));
  const refused = () => Object.assign(new Error('Invalid login token.'), { name: 'NotAuthorizedException' });
  const openIdToken = (user: BenchUser) => `bench-openid.${user.identityId}`;
  byIdentity.set(GUEST.identityId, GUEST);
  mock.on(GetIdCommand).callsFake((input: { Logins?: Record<string, string> }) => {
    if (input.Logins === undefined) return { IdentityId: GUEST.identityId };
    const user = byToken.get(Object.values(input.Logins ?? {})[0] ?? '');
    if (user === undefined) throw refused();
    return { IdentityId: user.identityId };
  });
  mock
    .on(GetOpenIdTokenCommand)
    .callsFake((input: { IdentityId?: string; Logins?: Record<string, string> }) => {
      const user = byIdentity.get(input.IdentityId ?? '');
      const guest = user === GUEST && input.Logins === undefined;
      if (user === undefined || (!guest && byToken.get(Object.values(input.Logins ?? {})[0] ?? '') !== user))
        throw refused();
      return { IdentityId: user.identityId, Token: openIdToken(user) };
    });
  mock
    .on(GetOpenIdTokenForDeveloperIdentityCommand)
    .callsFake((input: { Logins?: Record<string, string> }) => {
      const user = byLogin.get(input.Logins?.[BENCH_ENV.DEVELOPER_PROVIDER_NAME] ?? '');
      if (user === undefined) throw refused();
      return { IdentityId: user.identityId, Token: openIdToken(user) };
    });
  stsMock
    .on(AssumeRoleWithWebIdentityCommand)
    .callsFake((input: { WebIdentityToken?: string; DurationSeconds?: number }) => {
      const user = byIdentity.get((input.WebIdentityToken ?? '').replace('bench-openid.', ''));
      if (user === undefined) throw Object.assign(new Error('bad token'), { name: 'InvalidIdentityToken' });
      return {
        SubjectFromWebIdentityToken: user.identityId,
        Credentials: {
          AccessKeyId: `ASIABENCH${user.sub.slice(-8).toUpperCase()}`,
          SecretAccessKey: `bench-secret-${user.sub}`,
          SessionToken: `bench-session-${user.sub}-${'t'.repeat(700)}`,
          Expiration: new Date(now() + (input.DurationSeconds ?? 3600) * 1000),
        },
      };
    });
  return {
    client,
    sts,
    calls: (): UpstreamCalls => ({
      getId: mock.commandCalls(GetIdCommand).length,
      getOpenIdToken: mock.commandCalls(GetOpenIdTokenCommand).length,
      developerToken: mock.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand).length,
      assumeRole: stsMock.commandCalls(AssumeRoleWithWebIdentityCommand).length,
    }),
    restore: () => {
      mock.restore();
      stsMock.restore();
    },
  };
}

export function benchConfig(): Config {
  return loadConfig({ ...BENCH_ENV });
}

/**
 * The real app (`createApp(createDeps(...))`) on `config`, Cognito and STS answered by `cognito`,
 * logs discarded; `extra` adds deps options (a clock, another mocked client).
 */
export function benchApp(
  config: Config,
  cognito: Pick<ReturnType<typeof mockedCognito>, 'client' | 'sts'>,
  extra: DepsOptions = {},
) {
  return createApp(
    createDeps(config, {
      cognitoClient: cognito.client,
      stsClient: cognito.sts,
      logger: discardingLogger(),
      ...extra,
    }),
  );
}

export interface HandlerFigures {
  readonly bare_presign_us: Summary;
  readonly upload_url_us: Summary;
  readonly download_url_us: Summary;
  readonly me_us: Summary;
  /** `GET /public/{owner}/{key}` without a token, warm: one HEAD (in process) and the guest's presign. */
  readonly public_link_us: Summary;
  /** public link / download URL per round: what the HEAD and the redirect add to a download's work. */
  readonly public_link_ratio: Summary;
  /** upload / bare per round (each pair measured back to back). */
  readonly paired_ratio: Summary;
  /** Cognito and STS calls made after warm-up: the warm path must make none. */
  readonly warm_cognito_calls: number;
  /** One warm `POST /files/downloads/batch` of 100 items, whole handler. */
  readonly batch_100_us: Summary;
  /** 100 bare GET presigns back to back, measured in the same rounds as the batch. */
  readonly bare_get_100_us: Summary;
  /** batch / 100 bare GET presigns, per round. */
  readonly batch_paired_ratio: Summary;
}

export const BATCH_ITEMS = 100;

const USERS = 8;
const KEY = 'photos/2026/holiday/IMG_0042.jpg';
const CONTENT_TYPE = 'image/jpeg';
const SIZE = 2_456_789;

function expectStatus(result: APIGatewayProxyResult, status: number, what: string): APIGatewayProxyResult {
  if (result.statusCode !== status) {
    throw new Error(`${what} answered ${result.statusCode}, not ${status}: ${result.body.slice(0, 200)}`);
  }
  return result;
}

type App = ReturnType<typeof createApp>;

/** Every user's event for each measured route: rounds cycle through users, as real traffic does. */
function routeEvents(users: readonly BenchUser[]) {
  return {
    upload: users.map((user) =>
      apiEvent(user, 'POST', '/files/uploads', {
        level: 'private',
        key: KEY,
        contentType: CONTENT_TYPE,
        size: SIZE,
      }),
    ),
    download: users.map((user) => apiEvent(user, 'POST', '/files/downloads', { level: 'private', key: KEY })),
    me: users.map((user) => apiEvent(user, 'GET', '/me')),
    link: users.map((user) => publicLinkEvent(user)),
    batch: users.map((user) =>
      apiEvent(user, 'POST', '/files/downloads/batch', {
        items: Array.from({ length: BATCH_ITEMS }, (_, i) => ({ level: 'private', key: `${KEY}.${i}` })),
      }),
    ),
  };
}

type RouteEvents = ReturnType<typeof routeEvents>;

/** A guest's request for a user's permanent link, as API Gateway passes it (no token, path variables). */
function publicLinkEvent(owner: BenchUser): APIGatewayProxyEvent {
  const path = `/public/${owner.identityId}/${KEY}`;
  const event = apiEvent(owner, 'GET', path);
  return {
    ...event,
    headers: { 'User-Agent': 'bench' },
    multiValueHeaders: { 'User-Agent': ['bench'] },
    resource: '/public/{owner}/{key+}',
    pathParameters: { owner: owner.identityId, key: KEY },
    requestContext: { ...event.requestContext, authorizer: null },
  };
}

/** S3 answers the link's HEAD in process: the handler's work is measured, not a network. */
function answerHeads() {
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand).resolves({
    ContentLength: SIZE,
    ContentType: CONTENT_TYPE,
    ETag: '"bench"',
    LastModified: new Date(1767225600000),
  });
  return s3;
}

/**
 * The physical limits: the very presign the upload route makes (`put`), and the GET presign each
 * batch item makes, attachment disposition included (`get`), with one client and fixed credentials.
 */
function barePresigns(config: Config, user: BenchUser) {
  const s3 = new S3Client({
    region: config.region,
    credentials: {
      accessKeyId: 'ASIABENCHFIXED0000001',
      secretAccessKey: 'bench-secret-fixed',
      sessionToken: `bench-session-fixed-${'t'.repeat(700)}`,
    },
    // Exactly the handler's checksum settings (lambdas/aws/storage/client.ts).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const fullKey = `private/${user.identityId}/${KEY}`;
  const signable = new Set(['content-type', 'content-length']);
  const unhoistable = new Set<string>();
  const signingDate = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    put: () =>
      getSignedUrl(
        s3,
        new PutObjectCommand({
          Bucket: config.bucketName,
          Key: fullKey,
          ContentType: CONTENT_TYPE,
          ContentLength: SIZE,
        }),
        {
          expiresIn: config.defaultUrlLifetimeSeconds,
          signingDate: signingDate(),
          signableHeaders: signable,
          unhoistableHeaders: unhoistable,
        },
      ),
    get: (i: number) =>
      getSignedUrl(
        s3,
        new GetObjectCommand({
          Bucket: config.bucketName,
          Key: `${fullKey}.${i}`,
          ResponseContentDisposition: 'attachment',
        }),
        { expiresIn: config.defaultUrlLifetimeSeconds, signingDate: signingDate() },
      ),
    destroy: () => s3.destroy(),
  };
}

/** Round-robin over a route's events. */
function cycler() {
  let next = 0;
  return <T>(events: readonly T[]): T => events[next++ % events.length] as T;
}

/** Sanity: the URL the handler returns is a real SigV4 presigned PUT. */
function expectPresignedPut(result: APIGatewayProxyResult): void {
  const sample = JSON.parse(result.body) as { url: string; headers: Record<string, string> };
  if (!sample.url.includes('X-Amz-Signature=') || sample.headers['Content-Type'] !== CONTENT_TYPE) {
    throw new Error('the upload route did not return a presigned PUT');
  }
}

/** The batch route against 100 bare GET presigns, in rounds of their own. */
function measureBatch(
  app: App,
  events: RouteEvents,
  bare: ReturnType<typeof barePresigns>,
  options: RoundsOptions,
) {
  const pick = cycler();
  // A batch is 100 presigns: far fewer calls per round give the same precision.
  const batchCalls = Math.max(1, Math.round(options.batch / 20));
  return measureRounds(
    {
      batch: async () => {
        const result = expectStatus(await app(pick(events.batch), lambdaContext), 200, 'batch');
        if (!result.body.includes('"status":201')) throw new Error('the batch signed nothing');
      },
      bare100: async () => {
        for (let i = 0; i < BATCH_ITEMS; i++) await bare.get(i);
      },
    },
    { warmup: Math.max(5, Math.round(options.warmup / 100)), rounds: options.rounds, batch: batchCalls },
  );
}

export async function measureHandler(options: RoundsOptions): Promise<HandlerFigures> {
  const config = benchConfig();
  const users = Array.from({ length: USERS }, (_, i) => benchUser(i + 1));
  const cognito = mockedCognito(users);
  const bare = barePresigns(config, users[0] ?? benchUser(1));
  const s3 = answerHeads();
  try {
    const app = benchApp(config, cognito);
    const events = routeEvents(users);
    const pick = cycler();
    const cases = {
      bare: () => bare.put(),
      upload: async () => expectStatus(await app(pick(events.upload), lambdaContext), 201, 'upload'),
      download: async () => expectStatus(await app(pick(events.download), lambdaContext), 201, 'download'),
      me: async () => expectStatus(await app(pick(events.me), lambdaContext), 200, 'me'),
      link: async () => expectStatus(await app(pick(events.link), lambdaContext), 302, 'public link'),
    };
    expectPresignedPut(await cases.upload());
    // Warm every user's caches, then every Cognito call would be a cache miss on the warm path.
    for (const event of [...events.upload, ...events.download, ...events.me, ...events.batch, ...events.link])
      await app(event, lambdaContext);
    const coldCalls = cognito.calls();

    const rounds = await measureRounds(cases, options);
    const batchRounds = await measureBatch(app, events, bare, options);
    const warmCalls = cognito.calls();

    const batch = batchRounds.batch ?? [];
    const bare100 = batchRounds.bare100 ?? [];
    const bareRounds = rounds.bare ?? [];
    const upload = rounds.upload ?? [];
    return {
      bare_presign_us: summarize(bareRounds),
      upload_url_us: summarize(upload),
      download_url_us: summarize(rounds.download ?? []),
      me_us: summarize(rounds.me ?? []),
      public_link_us: summarize(rounds.link ?? []),
      public_link_ratio: summarize(
        (rounds.link ?? []).map((value, i) => value / (rounds.download?.[i] ?? Number.NaN)),
      ),
      paired_ratio: summarize(upload.map((value, i) => value / (bareRounds[i] ?? Number.NaN))),
      warm_cognito_calls: totalCalls(warmCalls) - totalCalls(coldCalls),
      batch_100_us: summarize(batch),
      bare_get_100_us: summarize(bare100),
      batch_paired_ratio: summarize(batch.map((value, i) => value / (bare100[i] ?? Number.NaN))),
    };
  } finally {
    bare.destroy();
    cognito.restore();
    s3.restore();
  }
}
