/**
 * How many Cognito Identity calls the caches and the identity directory leave: 10,000 requests from
 * 100 users spread evenly over one simulated hour, on the real app with a fake clock (every cache
 * and every expiry rule reads the injected `now`), Cognito answering with credentials that live one
 * hour as the real service's do, and the directory table held in memory behind a mocked DynamoDB
 * client. Three hours are served:
 *   - new users: a new instance, an empty directory (every user's first hour ever);
 *   - warm: the hour after it, same instance;
 *   - returning users: another new instance (empty caches) while the directory holds every user.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createApp } from '../lambdas/app';
import { loadConfig } from '../lambdas/config';
import { createDeps } from '../lambdas/deps';
import { apiEvent, BENCH_ENV, benchUser, discardingLogger, lambdaContext, mockedCognito } from './in-process';

export interface HourCalls {
  readonly getId: number;
  readonly getCredentials: number;
  /** GetId + GetCredentialsForIdentity. */
  readonly total: number;
  readonly directoryGets: number;
  readonly directoryPuts: number;
}

export interface CognitoCallFigures {
  readonly requests: number;
  readonly users: number;
  /** A new instance, every user already in the directory (recorded by an earlier instance). */
  readonly returning_users: HourCalls;
  /** A new instance and an empty directory: every user's first hour. */
  readonly new_users: HourCalls;
  /** The hour after `new_users`, same instance. */
  readonly warm: HourCalls;
}

/** The directory table in memory, behind a mocked client (the real adapter builds the requests). */
function mockedDirectory() {
  const client = new DynamoDBClient({ region: BENCH_ENV.AWS_REGION });
  const mock = mockClient(client);
  const table = new Map<string, string>();
  mock.on(GetItemCommand).callsFake((input: { Key?: { id?: { S?: string } } }) => {
    const value = table.get(input.Key?.id?.S ?? '');
    return value === undefined ? {} : { Item: { identityId: { S: value } } };
  });
  mock
    .on(PutItemCommand)
    .callsFake((input: { Item?: { id?: { S?: string }; identityId?: { S?: string } } }) => {
      table.set(input.Item?.id?.S ?? '', input.Item?.identityId?.S ?? '');
      return {};
    });
  return {
    client,
    calls: () => ({
      gets: mock.commandCalls(GetItemCommand).length,
      puts: mock.commandCalls(PutItemCommand).length,
    }),
    restore: () => mock.restore(),
  };
}

/** mulberry32: a small seeded generator, so every run serves the same request sequence. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export async function countCognitoCalls(
  options: { requests?: number; users?: number } = {},
): Promise<CognitoCallFigures> {
  const requests = options.requests ?? 10_000;
  const userCount = options.users ?? 100;
  const hourMs = 3_600_000;
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const users = Array.from({ length: userCount }, (_, i) => benchUser(i + 1));
  const cognito = mockedCognito(users, now);
  const directory = mockedDirectory();
  // Storage accepts every credential set: the handler's periodic credential check on presign-only
  // routes (a one-key listing) must reach no network and change no Cognito figure.
  const storage = mockClient(S3Client);
  storage.on(ListObjectsV2Command).resolves({});
  const random = seeded(42);
  const config = loadConfig({ ...BENCH_ENV, IDENTITY_DIRECTORY_TABLE: 'bench-identity-directory' });
  /** A new Lambda instance: its own caches, the shared directory. */
  const instance = () =>
    createApp(
      createDeps(config, {
        cognitoClient: cognito.client,
        dynamoClient: directory.client,
        logger: discardingLogger(),
        now,
      }),
    );
  try {
    const serveHour = async (app: ReturnType<typeof instance>): Promise<HourCalls> => {
      const before = cognito.calls();
      const directoryBefore = directory.calls();
      const start = clock;
      for (let i = 0; i < requests; i++) {
        clock = start + Math.floor((i * hourMs) / requests);
        const user = users[Math.floor(random() * users.length)] ?? users[0];
        if (user === undefined) throw new Error('no users');
        // The API's mix: mostly URLs (which need credentials), some identity look-ups.
        const pick = random();
        const event =
          pick < 0.4
            ? apiEvent(user, 'POST', '/files/uploads', {
                level: 'private',
                key: `docs/${i}.pdf`,
                contentType: 'application/pdf',
                size: 1000 + i,
              })
            : pick < 0.8
              ? apiEvent(user, 'POST', '/files/downloads', { level: 'private', key: `docs/${i}.pdf` })
              : apiEvent(user, 'GET', '/me');
        const result = await app(event, lambdaContext);
        if (result.statusCode !== 200 && result.statusCode !== 201) {
          throw new Error(`request ${i} answered ${result.statusCode}: ${result.body.slice(0, 200)}`);
        }
        // A URL must never outlive the credentials that signed it.
        if (result.statusCode === 201) {
          const { expiresAt } = JSON.parse(result.body) as { expiresAt: string };
          if (Date.parse(expiresAt) <= clock) throw new Error(`request ${i} got an already expired URL`);
        }
      }
      clock = start + hourMs;
      const after = cognito.calls();
      const directoryAfter = directory.calls();
      const getId = after.getId - before.getId;
      const getCredentials = after.getCredentials - before.getCredentials;
      return {
        getId,
        getCredentials,
        total: getId + getCredentials,
        directoryGets: directoryAfter.gets - directoryBefore.gets,
        directoryPuts: directoryAfter.puts - directoryBefore.puts,
      };
    };
    const first = instance();
    const new_users = await serveHour(first);
    const warm = await serveHour(first);
    const returning_users = await serveHour(instance());
    return { requests, users: userCount, returning_users, new_users, warm };
  } finally {
    cognito.restore();
    directory.restore();
    storage.restore();
  }
}
