/**
 * The quota entry point over a ledger in memory: a user found without any limit costs no ledger
 * read for NO_LIMIT_RECHECK_MS, then is read again (so an administrator's override applies within
 * that time); with a deployment quota, every reservation reads and decides afresh.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Ledger, UsageRecord } from '../../../../lambdas/aws/ledger';
import { createQuotas, NO_LIMIT_RECHECK_MS } from '../../../../lambdas/aws/quota';
import type { Quota } from '../../../../shared/domain/quota';
import { EMPTY_USAGE } from '../../../../shared/events/ledger';

const OWNER = 'us-east-1:11111111-1111-4111-8111-111111111111';

function ledgerWith(override: { quota: Quota }) {
  const usage = vi.fn(
    async (): Promise<UsageRecord> => ({ usage: EMPTY_USAGE, quota: override.quota, version: 1 }),
  );
  const reserve = vi.fn(async () => true);
  const unused = () => {
    throw new Error('not used here');
  };
  const ledger: Ledger = {
    usage,
    reserve,
    reservations: async () => [],
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
    const quotas = createQuotas({ ledger, quota: {}, now: () => t });

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
    const quotas = createQuotas({ ledger, quota: { bytes: 1000 }, now: () => 1_000_000 });
    await quotas.reserveUpload(OWNER, 'a', 10, 900);
    await quotas.reserveUpload(OWNER, 'b', 10, 900);
    expect(usage).toHaveBeenCalledTimes(2);
    expect(reserve).toHaveBeenCalledTimes(2);
  });
});
