import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupOwner } from '../../../../shared/domain/groups';
import { EMPTY_USAGE, MemoryLedger, planEvent, usageOf } from '../../../../shared/events/ledger';
import { ownerOf, type StorageEvent } from '../../../../shared/events/s3-event';
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

/** An event of a full key, its partition and level found by `ownerOf` as the events function finds them. */
function keyEvent(kind: 'created' | 'deleted', key: string, sequencer: string, size = 0): StorageEvent {
  const where = ownerOf(key);
  if (where === undefined) throw new Error(`${key} is outside every folder`);
  return {
    kind,
    key,
    path: where.path,
    owner: where.owner,
    level: where.level,
    ...(where.group === undefined ? {} : { group: where.group }),
    size: kind === 'created' ? size : 0,
    sequencer,
    eventTime: '2026-01-01T00:00:00.000Z',
    eventName: kind === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
  };
}

const DESIGN = groupOwner('design');
const OPS = groupOwner('ops');

describe("a group's partition", () => {
  it("counts a team folder's objects in levels.groups of groups/{group}, and nothing of its members", () => {
    const ledger = new MemoryLedger();
    ledger.apply(keyEvent('created', 'groups/design/a.png', '10', 100));
    ledger.apply(keyEvent('created', 'groups/design/b/c.txt', '11', 5));
    ledger.apply(keyEvent('created', `private/${OWNER}/a.png`, '12', 7));
    ledger.apply(keyEvent('created', 'groups/design/a.png', '13', 40));
    expect(ledger.usageOf(DESIGN)).toEqual(
      usageOf([
        { level: 'groups', size: 40 },
        { level: 'groups', size: 5 },
      ]),
    );
    expect(ledger.usageOf(DESIGN).levels.private).toEqual({ bytes: 0, objects: 0 });
    expect(ledger.usageOf(OWNER)).toEqual(usageOf([{ level: 'private', size: 7 }]));
    expect(ledger.usageOf(OPS)).toEqual(EMPTY_USAGE);
    expect(ledger.entries.get('groups/design/a.png')).toMatchObject({ owner: DESIGN, level: 'groups' });
  });

  it('keeps tombstones: a late create after the delete stays deleted, a repeat changes nothing', () => {
    const ledger = new MemoryLedger();
    expect(ledger.apply(keyEvent('deleted', 'groups/ops/x', '20'))).toBe(true);
    expect(ledger.apply(keyEvent('created', 'groups/ops/x', '10', 9))).toBe(false);
    expect(ledger.apply(keyEvent('created', 'groups/ops/y', '30', 9))).toBe(true);
    expect(ledger.apply(keyEvent('created', 'groups/ops/y', '30', 9))).toBe(false);
    expect(ledger.usageOf(OPS)).toEqual(usageOf([{ level: 'groups', size: 9 }]));
  });
});

/** Histories over a user's and two groups' keys (mixed in one delivery), sequencers rising per key. */
const mixedHistories = fc
  .array(
    fc.record({
      key: fc.constantFrom(
        'groups/design/a',
        'groups/design/d/e',
        'groups/ops/a',
        'groups/ops/f g',
        `private/${OWNER}/a`,
        `public/${OWNER}/a`,
      ),
      steps: fc.array(fc.record({ create: fc.boolean(), size: fc.nat({ max: 10_000 }) }), {
        minLength: 1,
        maxLength: 6,
      }),
    }),
    { minLength: 1, maxLength: 10 },
  )
  .map((entries) => {
    const events: StorageEvent[] = [];
    let sequence = 0x2000;
    for (const { key, steps } of entries) {
      for (const step of steps) {
        sequence += 1;
        const hex = sequence.toString(16);
        events.push(
          keyEvent(step.create ? 'created' : 'deleted', key, sequence % 2 ? `0${hex}` : hex, step.size),
        );
      }
    }
    return events;
  });

describe('group partitions under at-least-once, unordered delivery', () => {
  it("any permutation with duplicates yields each partition's in-order ledger, equal to its listing", () => {
    fc.assert(
      fc.property(
        mixedHistories.chain((events) =>
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
          expect(shuffled.entries).toEqual(inOrder.entries);
          for (const owner of [DESIGN, OPS, OWNER]) {
            expect(shuffled.usageOf(owner)).toEqual(inOrder.usageOf(owner));
            const live = [...inOrder.entries.values()].filter(
              (entry) => !entry.deleted && entry.owner === owner,
            );
            expect(inOrder.usageOf(owner)).toEqual(usageOf(live));
          }
          // A group's bytes are never a member's, nor the other way round.
          expect(inOrder.usageOf(OWNER).levels.groups).toEqual({ bytes: 0, objects: 0 });
          for (const group of [DESIGN, OPS]) {
            expect(inOrder.usageOf(group).bytes).toBe(inOrder.usageOf(group).levels.groups.bytes);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
