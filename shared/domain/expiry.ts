/**
 * URL lifetime rules (docs/architecture.md). Pure: no AWS SDK. A presigned URL stops working at the
 * earlier of its own expiry (X-Amz-Date + X-Amz-Expires) and its signing credentials' expiry, so
 * the lifetime we sign is capped by the credentials and `expiresAt` reports the real end.
 */
import { ValidationError } from './errors';

export interface LifetimeLimits {
  /** Lifetime used when the caller asks for none, in seconds. */
  readonly defaultSeconds: number;
  /** Longest lifetime a caller may ask for, in seconds. */
  readonly maxSeconds: number;
}

/** SigV4's own ceiling on X-Amz-Expires (7 days). */
export const MAX_SIGV4_EXPIRES_SECONDS = 604_800;

/** The lifetime to sign for, from the caller's `expiresIn` (seconds) or the default. */
export function resolveLifetime(requested: unknown, limits: LifetimeLimits, field = 'expiresIn'): number {
  if (requested === undefined) return limits.defaultSeconds;
  if (typeof requested !== 'number' || !Number.isInteger(requested)) {
    throw ValidationError.of(field, 'must be a whole number of seconds');
  }
  if (requested < 1 || requested > limits.maxSeconds) {
    throw ValidationError.of(field, `must be between 1 and ${limits.maxSeconds} seconds`);
  }
  return requested;
}

export interface PresignWindow {
  /** The signing date, whole seconds (SigV4's X-Amz-Date has no finer resolution). */
  readonly signingDate: Date;
  /** X-Amz-Expires: seconds from the signing date. */
  readonly expiresInSeconds: number;
  /** When the URL really stops working. */
  readonly expiresAt: Date;
  /** True when the credentials, not the requested lifetime, end the URL. */
  readonly cutShort: boolean;
}

/**
 * The window to sign: from `nowMs` (truncated to the second, as SigV4 does) for the requested
 * lifetime, ending no later than the credentials do. Throws when the credentials leave less than
 * one second, which callers prevent by refreshing them first.
 */
export function presignWindow(input: {
  readonly nowMs: number;
  readonly lifetimeSeconds: number;
  readonly credentialsExpireAtMs: number;
}): PresignWindow {
  const start = Math.floor(input.nowMs / 1000);
  const credentialsEnd = Math.floor(input.credentialsExpireAtMs / 1000);
  const expiresInSeconds = Math.min(input.lifetimeSeconds, credentialsEnd - start);
  if (expiresInSeconds < 1) throw new RangeError('the signing credentials have expired');
  return {
    signingDate: new Date(start * 1000),
    expiresInSeconds,
    expiresAt: new Date((start + expiresInSeconds) * 1000),
    cutShort: expiresInSeconds < input.lifetimeSeconds,
  };
}

/** How much longer a refresh must be able to make the URL live before we pay for one. */
export const MIN_REFRESH_GAIN_MS = 60_000;

/**
 * Whether to refresh credentials before signing a URL for `lifetimeSeconds`: only when they would
 * cut the URL short AND a refresh can extend it. Fresh credentials live about as long as the
 * current ones did (Cognito issues a fixed lifetime), so a refresh gains roughly their age: ones
 * obtained less than `minGainMs` ago would come back no better, and refreshing them would loop.
 */
export function shouldRefreshForLifetime(input: {
  readonly nowMs: number;
  readonly lifetimeSeconds: number;
  readonly credentialsExpireAtMs: number;
  readonly credentialsObtainedAtMs: number;
  readonly minGainMs?: number;
}): boolean {
  const wantedUntil = input.nowMs + input.lifetimeSeconds * 1000;
  if (input.credentialsExpireAtMs >= wantedUntil) return false;
  return input.nowMs - input.credentialsObtainedAtMs >= (input.minGainMs ?? MIN_REFRESH_GAIN_MS);
}

/**
 * Until when cached credentials may be served: a safety margin before they expire, so no request
 * starts with credentials about to lapse. Short-lived credentials keep at least half their life.
 */
export function credentialsUsableUntil(input: {
  readonly expireAtMs: number;
  readonly obtainedAtMs: number;
  readonly marginMs: number;
}): number {
  const lifetime = Math.max(0, input.expireAtMs - input.obtainedAtMs);
  return input.expireAtMs - Math.min(input.marginMs, lifetime / 2);
}
