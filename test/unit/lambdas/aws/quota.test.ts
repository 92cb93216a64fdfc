/**
 * The quota entry point over a ledger in memory: a user found without any limit costs no ledger
 * read for NO_LIMIT_RECHECK_MS, then is read again (so an administrator's override applies within
 * that time); with a deployment quota, every reservation reads and decides afresh. A group's
 * folder (its partition `groups/{group}`) has the group quota, the same override rule and the same
 * recheck window, independently of the user quota.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Ledger, UsageRecord } from '../../../../lambdas/aws/ledger';
import { createQuotas, NO_LIMIT_RECHECK_MS } from '../../../../lambdas/aws/quota';
import { groupOwner } from '../../../../shared/domain/groups';
import type { Quota, Reservation } from '../../../../shared/domain/quota';
import { EMPTY_USAGE } from '../../../../shared/events/ledger';

const OWNER = 'us-east-1:11111111-1111-4111-8111-111111111111';
const DESIGN = groupOwner('design');

/** A ledger whose owners have `stored` bytes each, an override per owner, and real reservations. */
function ledgerWith(override: { quota: Quota }, overrides: Record<string, Quota> = {}, stored = 0) {
  const usage = vi.fn(
    async (owner: string): Promise<UsageRecord> => ({
      usage: { ...EMPTY_USAGE, bytes: stored, objects: stored > 0 ? 1 : 0 },
      quota: overrides[owner] ?? override.quota,
      version: 1,
    }),
  );
  const held = new Map<string, Reservation[]>();
  const reserve = vi.fn(async (owner: string, reservation: Reservation) => {
    held.set(owner, [...(held.get(owner) ?? []), reservation]);
    return true;
  });
  const unused = () => {
    throw new Error('not used here');
  };
  const ledger: Ledger = {
    usage,
    reserve,
    reservations: async (owner) => held.get(owner) ?? [],
    applyEvent: unused,
    entry: unused,
    recordRejection: unused,
    rejections: unused,
    sharedWith: unused,
    recordPerson: unused,
    names: unused,
    purge: unused,
  };
  return { ledger, usage, reserve };
}

describe('createQuotas().reserveUpload', () => {
  it('reads an unlimited user once per recheck window, and applies a new override after it', async () => {
    let t = 1_000_000;
    const override: { quota: Quota } = { quota: {} };
    const { ledger, usage, reserve } = ledgerWith(override);
    const quotas = createQuotas({ ledger, quota: {}, groupQuota: {}, now: () => t });

    await quotas.reserveUpload(OWNER, 'a', 10, 900);
    await quotas.reserveUpload(OWNER, 'b', 10, 900);
    expect(usage).toHaveBeenCalledTimes(1);
    expect(reserve).not.toHaveBeenCalled();

    override.quota = { bytes: 5 };
    t += NO_LIMIT_RECHECK_MS - 1;
    await quotas.reserveUpload(OWNER, 'c', 10, 900);
    expect(usage).toHaveBeenCalledTimes(1);
    t += 1;
    await expect(quotas.reserveUpload(OWNER, 'd', 10, 900)).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(usage).toHaveBeenCalledTimes(2);
  });

  it('with a deployment quota, reads and reserves on every call', async () => {
    const { ledger, usage, reserve } = ledgerWith({ quota: {} });
    const quotas = createQuotas({ ledger, quota: { bytes: 1000 }, groupQuota: {}, now: () => 1_000_000 });
    await quotas.reserveUpload(OWNER, 'a', 10, 900);
    await quotas.reserveUpload(OWNER, 'b', 10, 900);
    expect(usage).toHaveBeenCalledTimes(2);
    expect(reserve).toHaveBeenCalledTimes(2);
  });
});

describe('a group folder’s quota', () => {
  const quotasOver = (ledger: Ledger, now = () => 1_000_000) =>
    createQuotas({ ledger, quota: { bytes: 1000 }, groupQuota: { bytes: 100, objects: 3 }, now });

  it('is the group quota, counted in the group’s partition, not the user quota', async () => {
    const { ledger, usage, reserve } = ledgerWith({ quota: {} }, {}, 60);
    const quotas = quotasOver(ledger);
    await expect(quotas.reserveUpload(DESIGN, 'groups/design/big.bin', 50, 900)).rejects.toMatchObject({
      code: 'quota_exceeded',
      limit: { bytes: 100, objects: 3 },
      usage: { bytes: 60, reservedBytes: 0 },
    });
    // The same size fits the user quota of a user with the same stored bytes.
    await quotas.reserveUpload(OWNER, `private/${OWNER}/big.bin`, 50, 900);
    expect(usage.mock.calls.map(([owner]) => owner)).toEqual([DESIGN, OWNER]);
    expect(reserve.mock.calls.map(([owner]) => owner)).toEqual([OWNER]);
  });

  it('counts the group’s live reservations: racing uploads into the folder cannot overshoot', async () => {
    const { ledger } = ledgerWith({ quota: {} });
    const quotas = quotasOver(ledger);
    await quotas.reserveUpload(DESIGN, 'groups/design/a', 40, 900);
    await quotas.reserveUpload(DESIGN, 'groups/design/b', 40, 900);
    await expect(quotas.reserveUpload(DESIGN, 'groups/design/c', 40, 900)).rejects.toMatchObject({
      code: 'quota_exceeded',
      usage: { reservedBytes: 80, reservedObjects: 2 },
    });
    // Another group's folder is another partition.
    await quotas.reserveUpload(groupOwner('ops'), 'groups/ops/c', 40, 900);
  });

  it('an override on the group’s usage item replaces the group quota, field by field', async () => {
    const { ledger } = ledgerWith({ quota: {} }, { [DESIGN]: { bytes: 500 } }, 60);
    const quotas = quotasOver(ledger);
    await quotas.reserveUpload(DESIGN, 'groups/design/a', 300, 900);
    expect(await quotas.standing(DESIGN)).toMatchObject({
      quota: { bytes: 500, objects: 3 },
      standing: { bytes: 60, reservedBytes: 300, reservedObjects: 1 },
    });
    expect((await quotas.standing(groupOwner('ops'))).quota).toEqual({ bytes: 100, objects: 3 });
    expect((await quotas.standing(OWNER)).quota).toEqual({ bytes: 1000 });
  });

  it('without a group quota, a group found unlimited is not read again in the window, even with a user quota', async () => {
    let t = 1_000_000;
    const override: { quota: Quota } = { quota: {} };
    const { ledger, usage } = ledgerWith(override);
    const quotas = createQuotas({ ledger, quota: { bytes: 1000 }, groupQuota: {}, now: () => t });
    await quotas.reserveUpload(DESIGN, 'groups/design/a', 10, 900);
    await quotas.reserveUpload(DESIGN, 'groups/design/b', 10, 900);
    expect(usage).toHaveBeenCalledTimes(1);
    // Users still have a deployment quota: read every time.
    await quotas.reserveUpload(OWNER, 'x', 10, 900);
    await quotas.reserveUpload(OWNER, 'y', 10, 900);
    expect(usage).toHaveBeenCalledTimes(3);
    override.quota = { objects: 0 };
    t += NO_LIMIT_RECHECK_MS;
    await expect(quotas.reserveUpload(DESIGN, 'groups/design/c', 10, 900)).rejects.toMatchObject({
      code: 'quota_exceeded',
      limit: { objects: 0 },
    });
  });
});
