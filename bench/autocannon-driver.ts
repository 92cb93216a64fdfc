/**
 * The load generator for `npm run bench`'s local figures, run as a child process so it does not
 * share a CPU thread with the stack it measures. Reads its job from the BENCH_LOAD environment
 * variable (JSON: url, tokens, connections, seconds, body), runs autocannon with the callers' ID
 * tokens in rotation, and prints the result as one JSON line.
 */
import autocannon from 'autocannon';

interface Job {
  readonly url: string;
  readonly tokens: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly body: string;
}

const job = JSON.parse(process.env.BENCH_LOAD ?? 'null') as Job | null;
if (job === null || job.tokens.length === 0) throw new Error('BENCH_LOAD must hold the job');
const loopback = new URL(job.url).hostname;
if (loopback !== '127.0.0.1' && loopback !== 'localhost' && loopback !== '[::1]') {
  throw new Error('the load driver only targets loopback');
}

let next = 0;
const statuses: Record<string, number> = {};
const result = await autocannon({
  url: job.url,
  method: 'POST',
  connections: job.connections,
  duration: job.seconds,
  headers: { 'content-type': 'application/json' },
  body: job.body,
  requests: [
    {
      // Each request carries the next user's token, as many users' apps would.
      setupRequest: (request) => ({
        ...request,
        headers: { ...request.headers, authorization: `Bearer ${job.tokens[next++ % job.tokens.length]}` },
      }),
      onResponse: (status) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
      },
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50_ms: result.latency.p50,
    p90_ms: result.latency.p90,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statuses,
  })}\n`,
);
