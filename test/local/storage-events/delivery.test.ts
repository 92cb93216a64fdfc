/**
 * The local queue behind storage events, without moto: removals need no HEAD, so the delivery
 * itself (batches, redelivery of failures, dead letters, drain, sequencers, key encoding) is
 * observed directly. The full path (gateway, moto, events function) is the e2e storage-events suite.
 */
import { Agent } from 'node:http';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type StorageEvents, startStorageEvents } from '../../../local/storage-events/delivery';

const agent = new Agent();
let events: StorageEvents | undefined;

afterEach(async () => {
  await events?.close();
  events = undefined;
});

function start(handler: (event: SQSEvent) => Promise<{ itemIdentifier: string }[]>, extra = {}) {
  events = startStorageEvents({
    region: 'us-east-1',
    motoAgent: agent,
    adminCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    handler: async (event) => ({ batchItemFailures: await handler(event) }),
    retryDelayMs: 1,
    ...extra,
  });
  return events;
}

const removed = (key: string) => ({ name: 'ObjectRemoved:Delete' as const, bucket: 'files', key });
const documentOf = (body: string) => JSON.parse(body).Records[0];

describe('storage events delivery', () => {
  it('delivers S3 event documents in SQS records, in batches, with rising sequencers', async () => {
    const batches: SQSEvent[] = [];
    const delivery = start(
      async (event) => {
        batches.push(event);
        return [];
      },
      { batchSize: 2 },
    );
    for (const key of ['a b/1', 'a b/2', 'a b/3']) delivery.onEvent(removed(key));
    await delivery.drain();
    // The first message goes out as soon as it is written; the others wait for its batch.
    expect(batches.map((batch) => batch.Records.length)).toEqual([1, 2]);
    const records = batches.flatMap((batch) => batch.Records);
    expect(records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['1', '1', '1']);
    const documents = records.map((record) => documentOf(record.body));
    expect(documents.map((document) => document.s3.object.key)).toEqual(['a+b/1', 'a+b/2', 'a+b/3']);
    expect(documents[0]).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectRemoved:Delete',
      s3: { bucket: { name: 'files', arn: 'arn:aws:s3:::files' } },
    });
    const sequencers = documents.map((document) => BigInt(`0x${document.s3.object.sequencer}`));
    expect(sequencers[1]).toBeGreaterThan(sequencers[0] ?? 0n);
    expect(sequencers[2]).toBeGreaterThan(sequencers[1] ?? 0n);
    expect(delivery.stats).toEqual({ emitted: 3, received: 3 });
  });

  it('delivers a failed message again until maxReceiveCount, then dead-letters it', async () => {
    const receives = new Map<string, number>();
    const delivery = start(
      async (event) =>
        event.Records.filter((record) => {
          const key = documentOf(record.body).s3.object.key;
          receives.set(key, Number(record.attributes.ApproximateReceiveCount));
          return key === 'poison';
        }).map((record) => ({ itemIdentifier: record.messageId })),
      { maxReceiveCount: 3 },
    );
    delivery.onEvent(removed('poison'));
    delivery.onEvent(removed('fine'));
    await delivery.drain();
    expect(Object.fromEntries(receives)).toEqual({ poison: 3, fine: 1 });
    expect(delivery.deadLetters.map((body) => documentOf(body).s3.object.key)).toEqual(['poison']);
    expect(delivery.stats).toEqual({ emitted: 2, received: 4 });
  });

  it('treats a handler that throws as a failure of the whole batch', async () => {
    let calls = 0;
    const delivery = start(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('cold start');
        return [];
      },
      { maxReceiveCount: 2 },
    );
    delivery.onEvent(removed('k'));
    await delivery.drain();
    expect(calls).toBe(2);
    expect(delivery.deadLetters).toEqual([]);
  });

  it('duplicates messages when told to, each a message of its own', async () => {
    const ids: string[] = [];
    const delivery = start(
      async (event) => {
        ids.push(...event.Records.map((record) => record.messageId));
        return [];
      },
      { faults: { duplicate: 1 }, random: () => 0 },
    );
    delivery.onEvent(removed('twice'));
    await delivery.drain();
    expect(ids).toHaveLength(2);
    expect(delivery.stats).toEqual({ emitted: 1, received: 2 });
  });
});
