import { describe, expect, test, vi } from 'vitest';
import { ExpiringCache } from '../../../../shared/cache/expiring-cache';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ExpiringCache', () => {
  test('loads once, then serves the cached value', async () => {
    const cache = new ExpiringCache<string, string>({ max: 10 });
    const load = vi.fn(async (key: string) => `value-of-${key}`);
    expect(await cache.get('a', load)).toBe('value-of-a');
    expect(await cache.get('a', load)).toBe('value-of-a');
    expect(cache.peek('a')).toBe('value-of-a');
    expect(load).toHaveBeenCalledTimes(1);
  });

  test('concurrent misses for one key share one load', async () => {
    const cache = new ExpiringCache<string, string>({ max: 10 });
    const gate = deferred<string>();
    const load = vi.fn(() => gate.promise);
    const results = Promise.all(Array.from({ length: 50 }, () => cache.get('a', load)));
    expect(cache.pending).toBe(1);
    gate.resolve('shared');
    expect(await results).toEqual(Array(50).fill('shared'));
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.pending).toBe(0);
  });

  test('misses for different keys load independently', async () => {
    const cache = new ExpiringCache<string, string>({ max: 10 });
    const load = vi.fn(async (key: string) => key.toUpperCase());
    expect(await Promise.all([cache.get('a', load), cache.get('b', load)])).toEqual(['A', 'B']);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('a failed load is shared by its waiters but not cached', async () => {
    const cache = new ExpiringCache<string, string>({ max: 10 });
    const gate = deferred<string>();
    const failing = vi.fn(() => gate.promise);
    const first = cache.get('a', failing);
    const second = cache.get('a', failing);
    gate.reject(new Error('upstream down'));
    await expect(first).rejects.toThrow('upstream down');
    await expect(second).rejects.toThrow('upstream down');
    expect(failing).toHaveBeenCalledTimes(1);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.pending).toBe(0);
    expect(await cache.get('a', async () => 'recovered')).toBe('recovered');
  });

  test('a load that throws synchronously is not left in flight', async () => {
    const cache = new ExpiringCache<string, string>({ max: 10 });
    const throwing = (): Promise<string> => {
      throw new Error('sync failure');
    };
    await expect(cache.get('a', throwing)).rejects.toThrow('sync failure');
    expect(cache.pending).toBe(0);
    expect(await cache.get('a', async () => 'ok')).toBe('ok');
  });

  test('values expire at the instant they carry, on the injected clock', async () => {
    let now = 1_000;
    const cache = new ExpiringCache<string, { v: number; until: number }>({
      max: 10,
      now: () => now,
      expiresAt: (value) => value.until,
    });
    let version = 0;
    const load = vi.fn(async () => ({ v: ++version, until: now + 100 }));
    expect((await cache.get('a', load)).v).toBe(1);
    now = 1_099;
    expect((await cache.get('a', load)).v).toBe(1);
    now = 1_100;
    expect((await cache.get('a', load)).v).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('refresh replaces a value only when the new load succeeds, and joins a load under way', async () => {
    const cache = new ExpiringCache<string, string>({ max: 10 });
    await cache.get('a', async () => 'old');
    await expect(cache.refresh('a', async () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    expect(cache.peek('a')).toBe('old');

    const gate = deferred<string>();
    const load = vi.fn(() => gate.promise);
    const refreshes = [cache.refresh('a', load), cache.refresh('a', load)];
    gate.resolve('new');
    expect(await Promise.all(refreshes)).toEqual(['new', 'new']);
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.peek('a')).toBe('new');
  });

  test('stays within its bound, evicting the least recently used', async () => {
    const cache = new ExpiringCache<number, string>({ max: 3 });
    const load = async (key: number) => `v${key}`;
    for (const key of [1, 2, 3]) await cache.get(key, load);
    cache.peek(1); // 1 is now more recent than 2
    await cache.get(4, load);
    expect(cache.size).toBe(3);
    expect(cache.peek(2)).toBeUndefined();
    expect(cache.peek(1)).toBe('v1');
    for (let key = 10; key < 1_000; key++) await cache.get(key, load);
    expect(cache.size).toBe(3);
  });

  test('delete forgets a value', async () => {
    const cache = new ExpiringCache<string, string>({ max: 3 });
    await cache.get('a', async () => 'x');
    cache.delete('a');
    expect(cache.peek('a')).toBeUndefined();
  });

  test('refuses a non-positive bound', () => {
    expect(() => new ExpiringCache({ max: 0 })).toThrow(RangeError);
  });
});
