/**
 * How many Cognito Identity calls the caches leave: 10,000 requests from 100 users spread evenly
 * over one simulated hour, on the real app with a fake clock (every cache and every expiry rule
 * reads the injected `now`), Cognito answering with credentials that live one hour as the real
 * service's do. The first hour starts with empty caches (a new instance); the second hour shows the
 * steady state of an instance that keeps serving the same users.
 */
import { createApp } from '../lambdas/app';
import { createDeps } from '../lambdas/deps';
import {
  apiEvent,
  benchConfig,
  benchUser,
  discardingLogger,
  lambdaContext,
  mockedCognito,
} from './in-process';

export interface CognitoCallFigures {
  readonly requests: number;
  readonly users: number;
  /** First simulated hour, starting with empty caches. */
  readonly first_hour: { readonly getId: number; readonly getCredentials: number; readonly total: number };
  /** The hour after it, same instance. */
  readonly second_hour: { readonly getId: number; readonly getCredentials: number; readonly total: number };
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
  const random = seeded(42);
  try {
    const app = createApp(
      createDeps(benchConfig(), { cognitoClient: cognito.client, logger: discardingLogger(), now }),
    );
    const serveHour = async () => {
      const before = cognito.calls();
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
      const getId = after.getId - before.getId;
      const getCredentials = after.getCredentials - before.getCredentials;
      return { getId, getCredentials, total: getId + getCredentials };
    };
    const first_hour = await serveHour();
    const second_hour = await serveHour();
    return { requests, users: userCount, first_hour, second_hour };
  } finally {
    cognito.restore();
  }
}
