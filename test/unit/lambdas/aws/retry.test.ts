import { describe, expect, test, vi } from 'vitest';
import { backoffDelay, withRetries } from '../../../../lambdas/aws/retry';

const options = { attempts: 3, baseDelayMs: 100, maxDelayMs: 250 };

describe('backoffDelay', () => {
  test('is full jitter under an exponential ceiling, capped', () => {
    expect(backoffDelay(1, { ...options, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(2, { ...options, random: () => 0.999 })).toBe(199);
    expect(backoffDelay(3, { ...options, random: () => 0.999 })).toBe(249);
    expect(backoffDelay(9, { ...options, random: () => 0.5 })).toBe(125);
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(0);
  });
});

describe('withRetries', () => {
  const retryable = (error: unknown) => (error as Error).message === 'again';

  test('retries retryable failures with growing backoff, up to the attempt budget', async () => {
    const sleep = vi.fn(async () => undefined);
    const call = vi.fn(async () => Promise.reject(new Error('again')));
    await expect(withRetries(call, retryable, { ...options, sleep, random: () => 0.999 })).rejects.toThrow(
      'again',
    );
    expect(call).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls).toEqual([[99], [199]]);
  });

  test('returns the first success', async () => {
    const call = vi.fn().mockRejectedValueOnce(new Error('again')).mockResolvedValueOnce('ok');
    await expect(withRetries(call, retryable, { ...options, sleep: async () => undefined })).resolves.toBe(
      'ok',
    );
    expect(call).toHaveBeenCalledTimes(2);
  });

  test('does not retry other failures', async () => {
    const call = vi.fn(async () => Promise.reject(new Error('denied')));
    await expect(withRetries(call, retryable, { ...options, sleep: async () => undefined })).rejects.toThrow(
      'denied',
    );
    expect(call).toHaveBeenCalledTimes(1);
  });

  test('really waits between attempts by default', async () => {
    vi.useFakeTimers();
    try {
      const call = vi.fn().mockRejectedValueOnce(new Error('again')).mockResolvedValueOnce('ok');
      const result = withRetries(call, retryable, { ...options, random: () => 0.5 });
      await vi.advanceTimersByTimeAsync(49);
      expect(call).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      await expect(result).resolves.toBe('ok');
      expect(call).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
