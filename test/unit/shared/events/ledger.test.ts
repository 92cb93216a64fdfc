import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryLedger, planEvent, usageOf } from '../../../../shared/events/ledger';
import type { StorageEvent } from '../../../../shared/events/s3-event';
import { compareSequencers } from '../../../../shared/events/sequencer';

const OWNER = 'us-east-1:11111111-2222-3333-4444-555555555555';

function event(kind: 'created' | 'deleted', name: string, sequencer: string, size = 0): StorageEvent {
  return {
    kind,
    key: `private/${OWNER}/${name}`,
    path: name,
    owner: OWNER,
    level: 'private',
    size: kind === 'created' ? size : 0,
    sequencer,
    eventTime: '2026-01-01T00:00:00.000Z',
    eventName: kind === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
  };
}

describe('compareSequencers', () => {
  it.each([
    ['0A', 'A', 0],
    ['00FF', 'FE', 1],
    ['9', '10', -1],
    ['0055C5B8F8E0A7B6CD', '55C5B8F8E0A7B6CE', -1],
    ['abc', 'ABC', 0],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareSequencers(a, b))).toBe(sign);
  });
});

describe('planEvent', () => {
  it('counts a new object, then only the difference when it is replaced', () => {
    const first = planEvent(undefined, event('created', 'a', '10', 100));
    expect(first?.delta).toEqual({ level: 'private', bytes: 100, objects: 1 });
    const second = planEvent(first?.next, event('created', 'a', '11', 30));
    expect(second?.delta).toEqual({ level: 'private', bytes: -70, objects: 0 });
  });

  it('ignores a repeat and an older event; a late create after a delete stays deleted', () => {
    const created = planEvent(undefined, event('created', 'a', '10', 100));
    expect(planEvent(created?.next, event('created', 'a', '10', 100))).toBeUndefined();
    const deleted = planEvent(created?.next, event('deleted', 'a', '20'));
    expect(deleted?.delta).toEqual({ level: 'private', bytes: -100, objects: -1 });
    expect(deleted?.next.deleted).toBe(true);
    expect(planEvent(deleted?.next, event('created', 'a', '0F', 5))).toBeUndefined();
  });

  it('a delete arriving before its create leaves a tombstone that the create cannot pass', () => {
    const tombstone = planEvent(undefined, event('deleted', 'a', '20'));
    expect(tombstone?.delta).toEqual({ level: 'private', bytes: 0, objects: 0 });
    expect(planEvent(tombstone?.next, event('created', 'a', '10', 100))).toBeUndefined();
  });
});

/** A history per key: alternating creates and deletes with strictly rising sequencers. */
const histories = fc
  .array(
    fc.record({
      name: fc.constantFrom('a', 'b', 'c', 'd/e', 'f g'),
      steps: fc.array(fc.record({ create: fc.boolean(), size: fc.nat({ max: 10_000 }) }), {
        minLength: 1,
        maxLength: 6,
      }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((entries) => {
    const events: StorageEvent[] = [];
    let sequence = 0x1000;
    for (const { name, steps } of entries) {
      for (const step of steps) {
        sequence += 1;
        // Mixed widths: S3 sequencers of one key compare after left-padding.
        const hex = sequence.toString(16);
        const sequencer = sequence % 3 === 0 ? `00${hex}` : hex;
        events.push(event(step.create ? 'created' : 'deleted', name, sequencer, step.size));
      }
    }
    return events;
  });

describe('the ledger under at-least-once, unordered delivery', () => {
  it('any permutation with duplicates yields the in-order ledger', () => {
    fc.assert(
      fc.property(
        histories.chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.array(fc.nat({ max: events.length - 1 }), { maxLength: events.length * 2 }).chain((extra) =>
              fc.shuffledSubarray([...events.keys(), ...extra], {
                minLength: events.length + extra.length,
              }),
            ),
          ),
        ),
        ([events, order]) => {
          const inOrder = new MemoryLedger();
          for (const e of events) inOrder.apply(e);
          const shuffled = new MemoryLedger();
          for (const index of order) shuffled.apply(events[index] as StorageEvent);
          expect(shuffled.usageOf(OWNER)).toEqual(inOrder.usageOf(OWNER));
          expect(shuffled.entries).toEqual(inOrder.entries);
          // And the in-order ledger equals what a listing of the final objects sums to.
          const live = [...inOrder.entries.values()].filter((entry) => !entry.deleted);
          expect(inOrder.usageOf(OWNER)).toEqual(usageOf(live));
        },
      ),
      { numRuns: 300 },
    );
  });
});
