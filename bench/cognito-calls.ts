/**
 * How many upstream identity calls (Cognito Identity and STS) the caches and the identity directory
 * leave, per access mode: 10,000 requests from 100 users spread evenly over one simulated hour, on
 * the real app with a fake clock (every cache and every expiry rule reads the injected `now`),
 * Cognito and STS mocked (STS sessions as long as asked: 12 hours), and, in direct mode, the
 * directory table held in memory behind a mocked DynamoDB client. Per mode:
 *   - new users: a new instance (and in direct mode an empty directory: every user's first hour);
 *   - warm: the hour after it, same instance;
 *   - returning users (direct mode): another new instance while the directory holds every user;
 *   - a user's day: one instance, one returning user making a request a minute for 24 hours;
 *   - (sealed) a group member's day: the same, half of the requests in one of their team folders,
 *     and a warm instance's group requests (team folders need sealed mode);
 *   - the longest URL: a 12-hour download URL asked of a fresh instance and of a 3-hour-old one.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../lambdas/api/config';
import {
  apiEvent,
  BENCH_ENV,
  type BenchUser,
  benchApp,
  benchUser,
  lambdaContext,
  mockedCognito,
  totalCalls,
  type UpstreamCalls,
} from './in-process';
import { seeded } from './stats';

export interface HourCalls {
  readonly getId: number;
  /** GetOpenIdToken (direct) or GetOpenIdTokenForDeveloperIdentity (sealed). */
  readonly openIdTokens: number;
  /** Cognito Identity calls: GetId + the OpenID token calls. */
  readonly cognito: number;
  /** STS AssumeRoleWithWebIdentity. */
  readonly sts: number;
  /** Cognito + STS. */
  readonly total: number;
  readonly directoryGets: number;
  readonly directoryPuts: number;
}

export interface ModeFigures {
  /** The hour that `cognito_calls_per_10k` reports: returning users on a new instance. */
  readonly returning_users: HourCalls;
  /** A new instance and (direct) an empty directory: every user's first hour. */
  readonly new_users: HourCalls;
  /** The hour after `new_users`, same instance. */
  readonly warm: HourCalls;
  /** One instance, one returning user, a request a minute (15-minute URLs) for 24 hours. */
  readonly user_day: HourCalls & { readonly requests: number };
  /** The shortest real lifetime of a 12-hour download URL, fresh and from a 3-hour-old session. */
  readonly max_url_lifetime_s: number;
  /** Sealed only: a member of two groups, half of their requests in a team folder. */
  readonly groups?: GroupFigures;
}

export interface GroupFigures {
  /** As `user_day`, for the member. */
  readonly user_day: HourCalls & { readonly requests: number };
  /** Upstream calls of `warm_requests` team-folder requests on an instance the member already met. */
  readonly warm_calls: number;
  readonly warm_requests: number;
}

/** The team folders of the bench's member (`cognito:groups`). */
const MEMBER_GROUPS = ['design', 'ops'] as const;

export interface CognitoCallFigures {
  readonly requests: number;
  readonly users: number;
  readonly sealed: ModeFigures;
  readonly direct: ModeFigures;
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

const HOUR_MS = 3_600_000;
const MAX_URL_SECONDS = 43_200;

/** One hour's (or day's) calls, from counters before and after. */
function delta(
  before: UpstreamCalls,
  after: UpstreamCalls,
  directory: { gets: number; puts: number },
  directoryAfter: { gets: number; puts: number },
): HourCalls {
  const getId = after.getId - before.getId;
  const openIdTokens =
    after.getOpenIdToken + after.developerToken - before.getOpenIdToken - before.developerToken;
  const sts = after.assumeRole - before.assumeRole;
  return {
    getId,
    openIdTokens,
    cognito: getId + openIdTokens,
    sts,
    total: totalCalls(after) - totalCalls(before),
    directoryGets: directoryAfter.gets - directory.gets,
    directoryPuts: directoryAfter.puts - directory.puts,
  };
}

/** Where a request's object lives: the caller's private folder, or one of their team folders. */
type Folder = { readonly level: 'private' } | { readonly level: 'groups'; readonly group: string };
const PRIVATE: Folder = { level: 'private' };
/** Of the member's two team folders (`MEMBER_GROUPS`), the one every team-folder request goes to. */
const TEAM_FOLDER: Folder = { level: 'groups', group: 'ops' };

/** The API's mix: mostly URLs (which need credentials, 15-minute by default), some `GET /me`. */
function mixedEvent(user: BenchUser, i: number, pick: number, folder: Folder = PRIVATE) {
  return pick < 0.4
    ? apiEvent(user, 'POST', '/files/uploads', {
        ...folder,
        key: `docs/${i}.pdf`,
        contentType: 'application/pdf',
        size: 1000 + i,
      })
    : pick < 0.8
      ? apiEvent(user, 'POST', '/files/downloads', { ...folder, key: `docs/${i}.pdf` })
      : apiEvent(user, 'GET', '/me');
}

/**
 * One access mode's world: a fake clock every cache reads, Cognito, STS, storage and (direct) the
 * directory mocked, new Lambda instances on demand, and one seeded random stream (the workload is
 * the same on every run).
 */
function simulation(mode: 'sealed' | 'direct', users: readonly BenchUser[]) {
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const cognito = mockedCognito(users, now);
  const directory = mockedDirectory();
  // Storage accepts every credential set: the handler's periodic credential check on presign-only
  // routes (a one-key listing) must reach no network and change no Cognito figure.
  const storage = mockClient(S3Client);
  storage.on(ListObjectsV2Command).resolves({});
  const random = seeded(42);
  const config = loadConfig({
    ...BENCH_ENV,
    ACCESS_MODE: mode,
    MAX_URL_LIFETIME_SECONDS: String(MAX_URL_SECONDS),
    ...(mode === 'direct' ? { IDENTITY_DIRECTORY_TABLE: 'bench-identity-directory' } : {}),
  });
  /** A new Lambda instance: its own caches, the shared directory. */
  const instance = () => benchApp(config, cognito, { dynamoClient: directory.client, now });
  type Instance = ReturnType<typeof instance>;
  const serve = async (app: Instance, event: ReturnType<typeof apiEvent>, i: number) => {
    const result = await app(event, lambdaContext);
    if (result.statusCode !== 200 && result.statusCode !== 201) {
      throw new Error(`request ${i} answered ${result.statusCode}: ${result.body.slice(0, 200)}`);
    }
    // A URL must never outlive the credentials that signed it, nor end before its time.
    if (result.statusCode === 201) {
      const { expiresAt } = JSON.parse(result.body) as { expiresAt: string };
      if (Date.parse(expiresAt) <= clock) throw new Error(`request ${i} got an already expired URL`);
    }
    return result;
  };
  /** `count` mixed requests spread evenly over `spanMs`, and the upstream calls they cost. */
  const serveSpan = async (
    app: Instance,
    spanMs: number,
    count: number,
    pickUser: () => BenchUser,
    pickFolder: (i: number) => Folder = () => PRIVATE,
  ): Promise<HourCalls> => {
    const before = cognito.calls();
    const directoryBefore = directory.calls();
    const start = clock;
    for (let i = 0; i < count; i++) {
      clock = start + Math.floor((i * spanMs) / count);
      await serve(app, mixedEvent(pickUser(), i, random(), pickFolder(i)), i);
    }
    clock = start + spanMs;
    return delta(before, cognito.calls(), directoryBefore, directory.calls());
  };
  return {
    instance,
    serve,
    serveSpan,
    random,
    now,
    advance: (ms: number) => {
      clock += ms;
    },
    restore: () => {
      cognito.restore();
      directory.restore();
      storage.restore();
    },
  };
}

type Simulation = ReturnType<typeof simulation>;

/** The real lifetime of a 12-hour download URL, asked of `app` now. */
async function longestUrl(sim: Simulation, app: ReturnType<Simulation['instance']>, user: BenchUser) {
  const event = apiEvent(user, 'POST', '/files/downloads', {
    level: 'private',
    key: 'long.bin',
    expiresIn: MAX_URL_SECONDS,
  });
  const { expiresAt } = JSON.parse((await sim.serve(app, event, -1)).body) as { expiresAt: string };
  return Math.floor((Date.parse(expiresAt) - Math.floor(sim.now() / 1000) * 1000) / 1000);
}

/**
 * A group member's day (every other request in their team folder `ops`), then the team-folder
 * requests of a warm instance: sessions are cached per (user, groups), so neither should cost more
 * than a user without groups.
 */
async function countGroups(sim: Simulation, member: BenchUser): Promise<GroupFigures> {
  const minutes = 24 * 60;
  const folderOf = (i: number): Folder => (i % 2 === 0 ? PRIVATE : TEAM_FOLDER);
  const day = await sim.serveSpan(sim.instance(), 24 * HOUR_MS, minutes, () => member, folderOf);
  const warmed = sim.instance();
  await sim.serveSpan(warmed, 60_000, 1, () => member);
  const warmRequests = 200;
  const warm = await sim.serveSpan(
    warmed,
    10 * 60_000,
    warmRequests,
    () => member,
    () => TEAM_FOLDER,
  );
  return { user_day: { ...day, requests: minutes }, warm_calls: warm.total, warm_requests: warmRequests };
}

async function countMode(
  mode: 'sealed' | 'direct',
  requests: number,
  userCount: number,
): Promise<ModeFigures> {
  const users = Array.from({ length: userCount }, (_, i) => benchUser(i + 1));
  const member = benchUser(userCount + 1, MEMBER_GROUPS);
  const sim = simulation(mode, [...users, member]);
  try {
    const anyUser = () => users[Math.floor(sim.random() * users.length)] ?? (users[0] as BenchUser);
    const first = sim.instance();
    const new_users = await sim.serveSpan(first, HOUR_MS, requests, anyUser);
    const warm = await sim.serveSpan(first, HOUR_MS, requests, anyUser);
    const returning_users = await sim.serveSpan(sim.instance(), HOUR_MS, requests, anyUser);
    const someone = users[0] as BenchUser;
    const minutes = 24 * 60;
    const dayCalls = await sim.serveSpan(sim.instance(), 24 * HOUR_MS, minutes, () => someone);

    // The longest URL: asked of a fresh instance, then of the same one three hours later.
    const fresh = sim.instance();
    const atStart = await longestUrl(sim, fresh, someone);
    sim.advance(3 * HOUR_MS);
    const later = await longestUrl(sim, fresh, someone);
    return {
      returning_users,
      new_users,
      warm,
      user_day: { ...dayCalls, requests: minutes },
      max_url_lifetime_s: Math.min(atStart, later),
      ...(mode === 'sealed' ? { groups: await countGroups(sim, member) } : {}),
    };
  } finally {
    sim.restore();
  }
}

export async function countCognitoCalls(
  options: { requests?: number; users?: number } = {},
): Promise<CognitoCallFigures> {
  const requests = options.requests ?? 10_000;
  const users = options.users ?? 100;
  return {
    requests,
    users,
    sealed: await countMode('sealed', requests, users),
    direct: await countMode('direct', requests, users),
  };
}
