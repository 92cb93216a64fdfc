/**
 * The audit's arithmetic: keys count as the events function counts them (a share for its owner,
 * stray keys not at all), and an owner on one side only is drift.
 */
import { describe, expect, it } from 'vitest';
import { compareUsage, usageFromListing } from '../../../scripts/audit';
import { EMPTY_USAGE, usageOf } from '../../../shared/events/ledger';

const ALICE = 'us-east-1:11111111-1111-4111-8111-111111111111';
const BOB = 'us-east-1:22222222-2222-4222-8222-222222222222';

describe('usageFromListing', () => {
  it('sums each owner per level and leaves out keys the ledger does not count', () => {
    const { usage, uncounted } = usageFromListing([
      { key: `private/${ALICE}/a.txt`, size: 10 },
      { key: `public/${ALICE}/dir/b.txt`, size: 5 },
      { key: `protected/${BOB}/c.txt`, size: 7 },
      { key: `shared/${ALICE}/${BOB}/d.txt`, size: 1000 },
      { key: `shared/${ALICE}/not-an-identity/e.txt`, size: 1 },
      { key: 'stray.txt', size: 3 },
      { key: `private/${ALICE}/`, size: 0 },
    ]);
    expect(uncounted).toBe(3);
    expect(usage.get(ALICE)).toEqual(
      usageOf([
        { level: 'private', size: 10 },
        { level: 'public', size: 5 },
        { level: 'shared', size: 1000 },
      ]),
    );
    expect(usage.get(BOB)).toEqual(usageOf([{ level: 'protected', size: 7 }]));
  });
});

describe('compareUsage', () => {
  it('reports ledger minus actual, and owners missing on either side', () => {
    const actual = usageFromListing([{ key: `private/${ALICE}/a.txt`, size: 10 }]).usage;
    const ledger = new Map([[BOB, usageOf([{ level: 'public', size: 4 }])]]);
    const drifts = compareUsage(ledger, actual);
    expect(drifts.map(({ owner, bytes, objects }) => ({ owner, bytes, objects }))).toEqual([
      { owner: ALICE, bytes: -10, objects: -1 },
      { owner: BOB, bytes: 4, objects: 1 },
    ]);
    expect(compareUsage(actual, actual)).toEqual([]);
    expect(compareUsage(new Map([[ALICE, EMPTY_USAGE]]), new Map())).toEqual([]);
  });
});
