import { describe, expect, test } from 'vitest';
import { forEachConcurrently } from '../../../../lambdas/aws/concurrent';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('forEachConcurrently', () => {
  test('runs every item once, with its index, never more than the limit at once', async () => {
    const items = Array.from({ length: 23 }, (_, index) => `item-${index}`);
    const seen: Array<[string, number]> = [];
    let running = 0;
    let most = 0;
    await forEachConcurrently(items, 4, async (item, index) => {
      running++;
      most = Math.max(most, running);
      await tick();
      seen.push([item, index]);
      running--;
    });
    expect(seen.sort((a, b) => a[1] - b[1])).toEqual(items.map((item, index) => [item, index]));
    expect(most).toBe(4);
  });

  test('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = forEachConcurrently(
      Array.from({ length: 20 }, (_, index) => index),
      3,
      async (item) => {
        started.push(item);
        if (item === 1) throw new Error('part 1 refused');
        await tick();
      },
    );
    await expect(run).rejects.toThrow('part 1 refused');
    await tick();
    await tick();
    // The three in flight when part 1 failed, and none after.
    expect(started).toEqual([0, 1, 2]);
  });

  test('does nothing for no items', async () => {
    let calls = 0;
    await forEachConcurrently([], 4, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });
});
