/**
 * The events function's quota check after each upload: without a deployment quota, an owner found
 * without an override is not read again for NO_LIMIT_RECHECK_MS (then an override applies and an
 * object over it is removed); with a deployment quota, every created object reads usage afresh.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { UsageRecord } from '../../../../lambdas/aws/ledger';
import { NO_LIMIT_RECHECK_MS } from '../../../../lambdas/aws/quota';
import { createEventsHandler, type EventsLedger } from '../../../../lambdas/events/process';
import type { Quota } from '../../../../shared/domain/quota';
import { resolveUploadRules } from '../../../../shared/domain/upload-rules';
import { EMPTY_USAGE } from '../../../../shared/events/ledger';

const OWNER = 'us-east-1:11111111-1111-4111-8111-111111111111';
const BUCKET = 'files';

function created(n: number): SQSEvent {
  const body = JSON.stringify({
    Records: [
      {
        eventSource: 'aws:s3',
        eventTime: '2026-12-01T00:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: BUCKET },
          object: {
            key: `private/${OWNER.replace(':', '%3A')}/f${n}.txt`,
            size: 5,
            sequencer: (n + 16).toString(16),
          },
        },
      },
    ],
  });
  return { Records: [{ messageId: `m${n}`, body } as SQSEvent['Records'][number]] };
}

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
  const deletes: unknown[] = [];
  const s3 = {
    async send(command: { constructor: { name: string }; input: unknown }) {
      if (command.constructor.name === 'DeleteObjectCommand') {
        deletes.push(command.input);
        return {};
      }
      return {
        ContentType: 'text/plain',
        Body: { transformToByteArray: async () => new TextEncoder().encode('hello') },
      };
    },
  } as unknown as S3Client;
  const handler = createEventsHandler({
    bucket: BUCKET,
    ledger,
    s3,
    uploadRules: resolveUploadRules(undefined, 1024 * 1024),
    quota: deploymentQuota,
    groupQuota: {},
    log: () => undefined,
    now: () => t,
  });
  return { handler, usage, deletes, override, advance: (ms: number) => (t += ms) };
}

describe('the events function’s quota check', () => {
  it('reads an unlimited owner once per recheck window, then enforces a new override', async () => {
    const { handler, usage, deletes, override, advance } = setup({});
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
    const { handler, usage } = setup({ bytes: 1_000 });
    await handler(created(1));
    await handler(created(2));
    expect(usage).toHaveBeenCalledTimes(2);
  });
});
