/**
 * What a storage event travels as: the record S3 puts in its event notification (for a new object,
 * its size and ETag as moto has them), and the SQS record that carries it to the events function.
 */
import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import type { StorageWrite } from '../s3/gateway';

/** One queued notification: its body is the S3 event document. */
export interface Message {
  readonly id: string;
  readonly body: string;
  receives: number;
}

/** As S3 writes keys in notifications: form-encoded (a space as `+`). */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** S3's event notification record for one write. */
export async function s3EventRecord(
  s3: S3Client,
  region: string,
  write: StorageWrite,
  sequencer: string,
  eventTime: string,
) {
  const object: Record<string, unknown> = { key: encodeKey(write.key), sequencer };
  if (write.name.startsWith('ObjectCreated:')) {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: write.bucket, Key: write.key }));
      object.size = head.ContentLength ?? 0;
      if (head.ETag) object.eTag = head.ETag.replace(/"/g, '');
    } catch {
      // Deleted already: S3's event still reports the write; its own delete event follows.
      object.size = 0;
    }
  }
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime,
    eventName: write.name,
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': randomUUID().slice(0, 16), 'x-amz-id-2': randomUUID() },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'StorageEvents',
      bucket: {
        name: write.bucket,
        ownerIdentity: { principalId: 'LOCAL' },
        arn: `arn:aws:s3:::${write.bucket}`,
      },
      object,
    },
  };
}

/** The SQS record a message is received as (its receive count as of this delivery). */
export function sqsRecord(message: Message, region: string): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: randomUUID(),
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receives),
      SentTimestamp: String(Date.now()),
      SenderId: 'AROALOCAL',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${region}:000000000000:user-files-local-events`,
    awsRegion: region,
  };
}
