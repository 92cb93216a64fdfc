/**
 * The fleet simulation: how many sessions the whole fleet mints per user and day, with and without
 * the fleet-wide session store. The real identity service (`createIdentityService`, sealed mode)
 * runs as N instances, each with its own caches, over a simulated clock; Cognito, STS, DynamoDB
 * and KMS are counting in-process fakes (bench/fleet-fakes.ts).
 *
 * Workload: `users` users, each 5 visits a day of 10 requests 30 s apart; visits arrive at a
 * sinusoidal daily rate peaking at 1.8x the mean. Each request takes 40 ms, so the fleet holds
 * ceil(rate x 0.04 x 1.5) instances (Little's law, 1.5x headroom, at least 1), adds fresh ones as
 * load rises, drops the newest as it falls, and replaces each after 2 h. Requests go to a live
 * instance uniformly at random. Day 1 warms up; day 2 is counted. Seeded: every run is the same.
 */
import {
  type Caller,
  createIdentityService,
  developerIdentifier,
  type IdentityService,
  type IdentityServiceOptions,
} from '../lambdas/aws/identity';
import { createSessionStore, type SessionStore } from '../lambdas/aws/session-store';
import { type FleetCalls, type FleetFakes, fleetFakes } from './fleet-fakes';
import { BENCH_ENV, benchUser } from './in-process';
import { seeded } from './stats';

const DAY_S = 86_400;
/** Any key ID: the fake KMS keeps one key per ID. */
const BENCH_KEY_ID = '00000000-0000-4000-8000-00000000f1ee';
const VISITS_PER_DAY = 5;
const REQUESTS_PER_VISIT = 10;
const REQUEST_GAP_S = 30;
const PEAK_FACTOR = 1.8;
const SERVICE_S = 0.04;
const HEADROOM = 1.5;
const RECYCLE_MS = 2 * 3_600_000;
const SESSION_S = 43_200;
/** The mint-rate ceiling `max_dau_at_50_rps` is about (Cognito's and STS's request rates). */
const MINT_RATE_LIMIT = 50;
/** A 15-minute URL, as most requests sign: what the handler asks of the session. */
const URL_OPTIONS = { lifetimeSeconds: 900 } as const;

/** The owner the store keys sessions by (its `identityId`: direct mode's check). */
/** A store per instance, as in Lambda: each instance caches its own data keys over the one table. */
export function makeStore(fakes: FleetFakes): SessionStore {
  return createSessionStore({
    dynamo: fakes.dynamo,
    kms: fakes.kms,
    tableName: 'fleet-sessions',
    keyId: BENCH_KEY_ID,
    now: fakes.now,
  });
}

/** Visits per second at time `t` (seconds), relative to the mean: trough at midnight, peak at noon. */
const diurnal = (t: number) => 1 - (PEAK_FACTOR - 1) * Math.cos((2 * Math.PI * t) / DAY_S);

const instancesFor = (requestsPerSecond: number) =>
  Math.max(1, Math.ceil(requestsPerSecond * SERVICE_S * HEADROOM));

/** Every request of two days as (second, user), sorted by second: a counting sort over seconds. */
function schedule(users: number, random: () => number) {
  const seconds = 2 * DAY_S;
  const visits = users * VISITS_PER_DAY * 2;
  // Visit v is user v % users's: exactly 5 visits each a day (the first half of visits is day 1).
  const starts = new Int32Array(visits);
  const perSecond = new Int32Array(seconds + 1);
  for (let v = 0; v < visits; v++) {
    let t: number;
    // Rejection sampling: a uniform second, kept with probability rate / peak rate.
    do t = Math.floor(random() * DAY_S);
    while (random() * PEAK_FACTOR > diurnal(t));
    const start = (v < visits / 2 ? 0 : DAY_S) + t;
    starts[v] = start;
    for (let r = 0; r < REQUESTS_PER_VISIT; r++) {
      const at = start + r * REQUEST_GAP_S;
      if (at < seconds) perSecond[at + 1] = (perSecond[at + 1] ?? 0) + 1;
    }
  }
  for (let s = 1; s <= seconds; s++) perSecond[s] = (perSecond[s] ?? 0) + (perSecond[s - 1] ?? 0);
  const next = perSecond.slice();
  const userOf = new Int32Array(perSecond[seconds] ?? 0);
  for (let v = 0; v < visits; v++) {
    for (let r = 0; r < REQUESTS_PER_VISIT; r++) {
      const at = (starts[v] ?? 0) + r * REQUEST_GAP_S;
      if (at >= seconds) continue;
      const slot = next[at] ?? 0;
      userOf[slot] = v % users;
      next[at] = slot + 1;
    }
  }
  return { seconds, start: perSecond, userOf };
}

type Schedule = ReturnType<typeof schedule>;

interface Instance {
  readonly service: IdentityService;
  readonly born: number;
}

/** The fleet's instances over the clock: scaled to the load, each replaced after 2 h. */
function fleet(create: () => IdentityService, meanRate: number, random: () => number) {
  const live: Instance[] = [];
  let created = 0;
  const fresh = (born: number): Instance => {
    created++;
    return { service: create(), born };
  };
  return {
    live,
    created: () => created,
    /** Once a simulated minute: replace the old, then match the instance count to the load. */
    adjust(nowMs: number) {
      for (let i = 0; i < live.length; i++) {
        if (nowMs - (live[i]?.born ?? nowMs) >= RECYCLE_MS) live[i] = fresh(nowMs);
      }
      const wanted = instancesFor(meanRate * diurnal(nowMs / 1000));
      // The first instances' ages are spread, so they are not all replaced in the same minute.
      while (live.length < wanted) live.push(fresh(nowMs - (nowMs === 0 ? random() * RECYCLE_MS : 0)));
      live.length = Math.min(live.length, wanted);
    },
    pick: () => live[Math.floor(random() * live.length)] as Instance,
  };
}

export interface FleetFigures {
  readonly users: number;
  readonly requests: number;
  readonly fleet_sessions_per_user_day: number;
  readonly fleet_cache_hit_rate: number;
  readonly fleet_kms_calls_per_instance_hour: number;
  readonly fleet_store_reads_per_1k_requests: number;
  /** Extrapolated: 50/s x 86,400 s / (1.8 peak factor x sessions per user-day). */
  readonly max_dau_at_50_rps: number;
  /** The busiest 10 minutes' mints per second, per 1,000 users (the extrapolation's check). */
  readonly peak_mints_per_s_per_1k_users: number;
  /** The same ceiling from the measured busiest 10 minutes instead of the 1.8x factor. */
  readonly max_dau_at_50_rps_measured_peak: number;
  readonly instance_hours: number;
  readonly instances_created: number;
  readonly peak_instances: number;
}

/** The world of one run: callers, their identities, the fakes and one instance factory. */
function world(users: number, withStore: boolean) {
  let clock = 0;
  const now = () => clock;
  const provider = BENCH_ENV.DEVELOPER_PROVIDER_NAME;
  const callers: Caller[] = [];
  const identities = new Map<string, string>();
  for (let i = 0; i < users; i++) {
    const { sub, username, identityId } = benchUser(i + 1);
    callers.push({ sub, username, idToken: '' });
    identities.set(developerIdentifier(BENCH_ENV.USER_POOL_ID, { sub }), identityId);
  }
  const fakes = fleetFakes({ identities, developerProviderName: provider, now });
  const options: IdentityServiceOptions = {
    mode: 'sealed',
    client: fakes.cognito,
    sts: fakes.sts,
    userPoolId: BENCH_ENV.USER_POOL_ID,
    identityPoolId: BENCH_ENV.IDENTITY_POOL_ID,
    loginsKey: `cognito-idp.${BENCH_ENV.AWS_REGION}.amazonaws.com/${BENCH_ENV.USER_POOL_ID}`,
    developerProviderName: provider,
    roleArn: BENCH_ENV.AUTHENTICATED_ROLE_ARN,
    sessionDurationSeconds: SESSION_S,
    now,
  };
  return {
    callers,
    fakes,
    create: () => createIdentityService(withStore ? { ...options, sessionStore: makeStore(fakes) } : options),
    setClock: (ms: number) => {
      clock = ms;
    },
  };
}

type World = ReturnType<typeof world>;

const kmsCalls = (calls: FleetCalls) => calls.generateDataKeys + calls.decrypts;

/** Counts of the counted day, gathered as the run goes. */
interface Tally {
  requests: number;
  hits: number;
  instanceHours: number;
  peakInstances: number;
  peakWindowMints: number;
}

/** Serves one simulated second's requests, each to a random live instance, tallying day 2's. */
async function serveSecond(w: World, plan: Schedule, pick: () => Instance, s: number, tally: Tally) {
  const { calls } = w.fakes;
  const counted = s >= DAY_S;
  for (let i = plan.start[s] ?? 0; i < (plan.start[s + 1] ?? 0); i++) {
    const mints = calls.assumeRoles;
    const reads = calls.dynamoGets;
    await pick().service.session(w.callers[plan.userOf[i] ?? 0] as Caller, URL_OPTIONS);
    if (!counted) continue;
    tally.requests++;
    if (calls.assumeRoles === mints && calls.dynamoGets === reads) tally.hits++;
  }
}

/** Two simulated days of `users`, with or without the store; figures for the second day. */
export async function simulateFleet(users: number, withStore: boolean): Promise<FleetFigures> {
  const w = world(users, withStore);
  const random = seeded(4242);
  const plan = schedule(users, random);
  const meanRate = (users * VISITS_PER_DAY * REQUESTS_PER_VISIT) / DAY_S;
  const instances = fleet(w.create, meanRate, random);
  const tally: Tally = { requests: 0, hits: 0, instanceHours: 0, peakInstances: 0, peakWindowMints: 0 };
  let dayStart: FleetCalls = { ...w.fakes.calls };
  let windowStart = 0;
  for (let s = 0; s < plan.seconds; s++) {
    w.setClock(s * 1000);
    if (s === DAY_S) dayStart = { ...w.fakes.calls };
    if (s % 60 === 0) {
      instances.adjust(s * 1000);
      if (s >= DAY_S) {
        tally.instanceHours += instances.live.length / 60;
        tally.peakInstances = Math.max(tally.peakInstances, instances.live.length);
      }
    }
    if (s % 600 === 0) {
      if (s > DAY_S)
        tally.peakWindowMints = Math.max(tally.peakWindowMints, w.fakes.calls.assumeRoles - windowStart);
      windowStart = w.fakes.calls.assumeRoles;
    }
    await serveSecond(w, plan, instances.pick, s, tally);
  }
  return figures(users, tally, dayStart, w.fakes.calls, instances.created());
}

function figures(
  users: number,
  tally: Tally,
  before: FleetCalls,
  after: FleetCalls,
  created: number,
): FleetFigures {
  const sessionsPerUserDay = (after.assumeRoles - before.assumeRoles) / users;
  return {
    users,
    requests: tally.requests,
    fleet_sessions_per_user_day: sessionsPerUserDay,
    fleet_cache_hit_rate: tally.hits / tally.requests,
    fleet_kms_calls_per_instance_hour: (kmsCalls(after) - kmsCalls(before)) / tally.instanceHours,
    fleet_store_reads_per_1k_requests: ((after.dynamoGets - before.dynamoGets) * 1000) / tally.requests,
    max_dau_at_50_rps: Math.floor((MINT_RATE_LIMIT * DAY_S) / (PEAK_FACTOR * sessionsPerUserDay)),
    peak_mints_per_s_per_1k_users: (tally.peakWindowMints / 600 / users) * 1000,
    max_dau_at_50_rps_measured_peak: Math.floor((MINT_RATE_LIMIT * users * 600) / tally.peakWindowMints),
    instance_hours: tally.instanceHours,
    instances_created: created,
    peak_instances: tally.peakInstances,
  };
}

export interface FleetComparison {
  readonly off: FleetFigures;
  readonly on: FleetFigures;
  /** Sessions per user-day off / on. */
  readonly store_gain: number;
  readonly seconds: number;
}

/** The store off and on, side by side, over the same seeded workload. */
export async function compareFleet(users = 50_000): Promise<FleetComparison> {
  const started = performance.now();
  const off = await simulateFleet(users, false);
  const on = await simulateFleet(users, true);
  const seconds = (performance.now() - started) / 1000;
  return { off, on, store_gain: off.fleet_sessions_per_user_day / on.fleet_sessions_per_user_day, seconds };
}

// Run as a child by bench/fleet-run.ts (a bigger young generation: see there); importing runs nothing.
const job = process.env.BENCH_FLEET;
if (job !== undefined) {
  const { users } = JSON.parse(job) as { users: number };
  compareFleet(users).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error('fleet simulation failed:', error);
      process.exit(1);
    },
  );
}
