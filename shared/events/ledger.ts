/**
 * The usage ledger's rules, free of storage: per object, the newest event by `sequencer` wins and a
 * delete leaves a tombstone, so a late or repeated event changes nothing; per owner, usage is the
 * sum of the live objects. `planEvent` is what the DynamoDB adapter applies in one transaction.
 */
import { ALL_LEVELS, type AnyLevel } from '../domain/keys';
import type { StorageEvent } from './s3-event';
import { compareSequencers } from './sequencer';

export interface ObjectEntry {
  readonly key: string;
  readonly owner: string;
  readonly level: AnyLevel;
  /** 0 for a tombstone. */
  readonly size: number;
  readonly sequencer: string;
  readonly deleted: boolean;
}

export interface Counts {
  readonly bytes: number;
  readonly objects: number;
}

export interface Usage extends Counts {
  readonly levels: Readonly<Record<AnyLevel, Counts>>;
}

export interface UsageDelta {
  readonly level: AnyLevel;
  readonly bytes: number;
  readonly objects: number;
}

export interface Plan {
  readonly next: ObjectEntry;
  readonly delta: UsageDelta;
}

export const EMPTY_USAGE: Usage = {
  bytes: 0,
  objects: 0,
  levels: {
    private: { bytes: 0, objects: 0 },
    protected: { bytes: 0, objects: 0 },
    public: { bytes: 0, objects: 0 },
    shared: { bytes: 0, objects: 0 },
    groups: { bytes: 0, objects: 0 },
  },
};

/** What `event` changes given the key's current entry, or undefined when it is a repeat or older. */
export function planEvent(current: ObjectEntry | undefined, event: StorageEvent): Plan | undefined {
  if (current !== undefined && compareSequencers(event.sequencer, current.sequencer) <= 0) return undefined;
  const liveBefore = current !== undefined && !current.deleted;
  const sizeBefore = liveBefore ? current.size : 0;
  const created = event.kind === 'created';
  const next: ObjectEntry = {
    key: event.key,
    owner: event.owner,
    level: event.level,
    size: created ? event.size : 0,
    sequencer: event.sequencer,
    deleted: !created,
  };
  return {
    next,
    delta: {
      level: event.level,
      bytes: next.size - sizeBefore,
      objects: (created ? 1 : 0) - (liveBefore ? 1 : 0),
    },
  };
}

export function addDelta(usage: Usage, delta: UsageDelta): Usage {
  const level = usage.levels[delta.level];
  return {
    bytes: usage.bytes + delta.bytes,
    objects: usage.objects + delta.objects,
    levels: {
      ...usage.levels,
      [delta.level]: { bytes: level.bytes + delta.bytes, objects: level.objects + delta.objects },
    },
  };
}

/** Usage summed from a listing of live objects (what the audit compares the ledger with). */
export function usageOf(objects: Iterable<{ readonly level: AnyLevel; readonly size: number }>): Usage {
  let usage = EMPTY_USAGE;
  for (const object of objects)
    usage = addDelta(usage, { level: object.level, bytes: object.size, objects: 1 });
  return usage;
}

/** An in-memory ledger over the same rules: the reference for tests and the bench. */
export class MemoryLedger {
  readonly entries = new Map<string, ObjectEntry>();
  readonly usage = new Map<string, Usage>();

  apply(event: StorageEvent): boolean {
    const plan = planEvent(this.entries.get(event.key), event);
    if (plan === undefined) return false;
    this.entries.set(event.key, plan.next);
    this.usage.set(event.owner, addDelta(this.usage.get(event.owner) ?? EMPTY_USAGE, plan.delta));
    return true;
  }

  usageOf(owner: string): Usage {
    return this.usage.get(owner) ?? EMPTY_USAGE;
  }
}

/** Every field of two usages that differs, as `owner level.field: ledger vs actual` lines. */
export function usageDrift(owner: string, ledger: Usage, actual: Usage): string[] {
  const lines: string[] = [];
  const compare = (label: string, a: number, b: number) => {
    if (a !== b) lines.push(`${owner} ${label}: ledger ${a}, actual ${b}`);
  };
  compare('bytes', ledger.bytes, actual.bytes);
  compare('objects', ledger.objects, actual.objects);
  for (const level of ALL_LEVELS) {
    compare(`${level}.bytes`, ledger.levels[level].bytes, actual.levels[level].bytes);
    compare(`${level}.objects`, ledger.levels[level].objects, actual.levels[level].objects);
  }
  return lines;
}
