/**
 * Upload-URL requests against the whole local stack on loopback (`npm start`'s API: the API Gateway
 * adapter verifying each ID token, the deployed handler, the local identity pool behind it), driven
 * by autocannon from a second process at a fixed concurrency for a fixed time.
 */
import { startLocalStack } from '../local/stack/local-stack';
import { runChild } from './child';
import { signIn } from './users';

export interface LocalLoadFigures {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statuses: Record<string, number>;
  readonly connections: number;
  readonly users: number;
}

const BODY = JSON.stringify({
  level: 'private',
  key: 'bench/load/report.pdf',
  contentType: 'application/pdf',
  size: 524_288,
});

export async function measureLocalLoad(options: {
  seconds: number;
  connections: number;
  warmupSeconds: number;
}): Promise<LocalLoadFigures> {
  // Capacity, not the per-user limit (100/s by default): two users would meet it at once.
  const stack = await startLocalStack({ quiet: true, userRateLimit: false });
  try {
    const { outputs } = stack;
    const users = await signIn(outputs, outputs.DemoUsers);
    const job = {
      url: new URL('files/uploads', outputs.ApiUrl).href,
      tokens: users.map((user) => user.idToken),
      connections: options.connections,
      body: BODY,
    };
    // Warm-up (JIT, JWKS, identity and credential caches), not counted.
    await runChild({
      script: 'bench/autocannon-driver.ts',
      env: { BENCH_LOAD: JSON.stringify({ ...job, seconds: options.warmupSeconds }) },
      timeoutMs: (options.warmupSeconds + 60) * 1000,
    });
    const result = await runChild<Omit<LocalLoadFigures, 'connections' | 'users'>>({
      script: 'bench/autocannon-driver.ts',
      env: { BENCH_LOAD: JSON.stringify({ ...job, seconds: options.seconds }) },
      timeoutMs: (options.seconds + 60) * 1000,
    });
    return { ...result, connections: options.connections, users: users.length };
  } finally {
    await stack.stop();
  }
}
