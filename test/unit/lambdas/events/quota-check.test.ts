/**
 * The events function's quota check after each upload: without a deployment quota, an owner found
 * without an override is not read again for NO_LIMIT_RECHECK_MS (then an override applies and an
 * object over it is removed); with a deployment quota, every created object reads usage afresh.
 */
import { describe, expect, it, vi } from 'vitest';
import type { UsageRecord } from '../../../../lambdas/aws/ledger';
import { NO_LIMIT_RECHECK_MS } from '../../../../lambdas/aws/quota';
import type { EventsLedger } from '../../../../lambdas/events/process';
import type { Quota } from '../../../../shared/domain/quota';
import { EMPTY_USAGE } from '../../../../shared/events/ledger';
import { eventsHandler, memoryBucket, USER as OWNER } from '../../support/events-harness';

/** Every owner holds 100 bytes, under `override.quota`; `created(n)` uploads `f{n}.txt` and announces it. */
function setup(deploymentQuota: Quota) {
  let t = 1_000_000;
  const override: { quota: Quota } = { quota: {} };
  const usage = vi.fn(
    async (): Promise<UsageRecord> => ({
      usage: { ...EMPTY_USAGE, bytes: 100 },
      quota: override.quota,
      version: 1,
    }),
  );
  const ledger: EventsLedger = {
    applyEvent: async () => 'applied',
    entry: async () => undefined,
    usage,
    recordRejection: async () => undefined,
  };
  const { s3, deletes, put } = memoryBucket();
  const handler = eventsHandler({
    ledger,
    s3,
    maxUploadBytes: 1024 * 1024,
    quota: deploymentQuota,
    now: () => t,
  });
  const created = (n: number) =>
    put(`private/${OWNER}/f${n}.txt`, 'text/plain', new TextEncoder().encode('hello'));
  return { handler, usage, deletes, override, created, advance: (ms: number) => (t += ms) };
}

describe('the events function’s quota check', () => {
  it('reads an unlimited owner once per recheck window, then enforces a new override', async () => {
    const { handler, usage, deletes, override, created, advance } = setup({});
    await handler(created(1));
    await handler(created(2));
    expect(usage).toHaveBeenCalledTimes(1);
    override.quota = { bytes: 10 };
    advance(NO_LIMIT_RECHECK_MS);
    await handler(created(3));
    expect(usage).toHaveBeenCalledTimes(2);
    expect(deletes).toEqual([expect.objectContaining({ Key: `private/${OWNER}/f3.txt` })]);
  });

  it('with a deployment quota, reads usage for every created object', async () => {
    const { handler, usage, created } = setup({ bytes: 1_000 });
    await handler(created(1));
    await handler(created(2));
    expect(usage).toHaveBeenCalledTimes(2);
  });
});
