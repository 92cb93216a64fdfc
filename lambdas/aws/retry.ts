/**
 * Bounded retries with exponential backoff and full jitter, for the Cognito Identity calls.
 *
 * Why not the SDK's retry strategy here: the Cognito client is built with `maxAttempts: 1` and
 * retried by this wrapper instead, because (1) the whole budget (attempts x request timeout + delays)
 * must stay well inside the Lambda and API Gateway timeouts and is easiest to state in one place;
 * (2) the SDK's standard strategy waits up to seconds on throttling (1 s base), too long for an API
 * answering a person; (3) aws-sdk-client-mock replaces `send`, bypassing the SDK's retry middleware,
 * so only a wrapper outside `send` lets the unit tests prove the retries and the backoff. S3 clients
 * keep the SDK's own standard retries.
 */
export interface RetryOptions {
  /** Total attempts, the first included. */
  readonly attempts: number;
  /** Upper bound of the first backoff; doubles per retry. */
  readonly baseDelayMs: number;
  /** Cap on a single backoff. */
  readonly maxDelayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1). */
  readonly random?: () => number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The backoff before retry number `retry` (1-based): full jitter over an exponential ceiling. */
export function backoffDelay(retry: number, options: RetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** Runs `call` until it succeeds, fails with a non-retryable error, or the attempts run out. */
export async function withRetries<T>(
  call: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.attempts || !isRetryable(error)) throw error;
      await sleep(backoffDelay(attempt, options));
    }
  }
}
