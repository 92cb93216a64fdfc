import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../../../shared/domain/errors';
import {
  credentialsUsableUntil,
  MIN_REFRESH_GAIN_MS,
  presignWindow,
  resolveLifetime,
  shouldRefreshForLifetime,
} from '../../../../shared/domain/expiry';

const limits = { defaultSeconds: 900, maxSeconds: 3600 };
const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;

describe('resolveLifetime', () => {
  test.each([
    [undefined, 900],
    [1, 1],
    [60, 60],
    [3600, 3600],
  ])('accepts %s -> %s seconds', (requested, expected) => {
    expect(resolveLifetime(requested, limits)).toBe(expected);
  });

  test.each([[0], [-1], [3601], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], ['60'], [null], [true]])(
    'refuses %s naming expiresIn',
    (requested) => {
      expect(() => resolveLifetime(requested, limits)).toThrow(ValidationError);
      expect(() => resolveLifetime(requested, limits)).toThrow(/^expiresIn: /);
    },
  );
});

describe('presignWindow', () => {
  // now offset, lifetime (s), credentials expire at (offset), expected X-Amz-Expires, cut short
  test.each([
    ['credentials outlive the URL', 0, 900, 60 * MIN, 900, false],
    ['credentials end first', 0, 3600, 30 * MIN, 1800, true],
    ['exactly equal', 0, 1800, 30 * MIN, 1800, false],
    ['sub-second now is truncated like X-Amz-Date', 999, 900, 60 * MIN, 900, false],
    ['credentials ending mid-second are rounded down', 0, 3600, 10 * MIN + 500, 600, true],
  ])('%s', (_name, nowOffset, lifetimeSeconds, expiresOffset, expectedSeconds, cutShort) => {
    const window = presignWindow({
      nowMs: T + nowOffset,
      lifetimeSeconds,
      credentialsExpireAtMs: T + expiresOffset,
    });
    expect(window.signingDate.getTime()).toBe(T);
    expect(window.expiresInSeconds).toBe(expectedSeconds);
    expect(window.expiresAt.getTime()).toBe(T + expectedSeconds * 1000);
    expect(window.expiresAt.getTime()).toBeLessThanOrEqual(T + expiresOffset);
    expect(window.cutShort).toBe(cutShort);
  });

  test('refuses credentials with less than a second left', () => {
    expect(() => presignWindow({ nowMs: T, lifetimeSeconds: 900, credentialsExpireAtMs: T + 999 })).toThrow(
      RangeError,
    );
    expect(() => presignWindow({ nowMs: T, lifetimeSeconds: 900, credentialsExpireAtMs: T - 1 })).toThrow(
      RangeError,
    );
  });
});

describe('shouldRefreshForLifetime', () => {
  test.each([
    ['long enough: no refresh', 900, 60 * MIN, 10 * MIN, false],
    ['cut short and old enough to gain: refresh', 3600, 50 * MIN, 10 * MIN, true],
    ['cut short but just obtained: a refresh gains nothing', 3600, 59 * MIN, MIN_REFRESH_GAIN_MS - 1, false],
    ['cut short, obtained exactly the minimum gain ago', 3600, 59 * MIN, MIN_REFRESH_GAIN_MS, true],
  ])('%s', (_name, lifetimeSeconds, expiresIn, age, expected) => {
    expect(
      shouldRefreshForLifetime({
        nowMs: T,
        lifetimeSeconds,
        credentialsExpireAtMs: T + expiresIn,
        credentialsObtainedAtMs: T - age,
      }),
    ).toBe(expected);
  });
});

describe('credentialsUsableUntil', () => {
  test('stops the margin before expiry', () => {
    expect(credentialsUsableUntil({ obtainedAtMs: T, expireAtMs: T + 60 * MIN, marginMs: 5 * MIN })).toBe(
      T + 55 * MIN,
    );
  });

  test('keeps short-lived credentials for half their life instead of never', () => {
    expect(credentialsUsableUntil({ obtainedAtMs: T, expireAtMs: T + 4 * MIN, marginMs: 5 * MIN })).toBe(
      T + 2 * MIN,
    );
  });
});
