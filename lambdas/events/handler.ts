/**
 * The events function's entry point (SQS events carrying the bucket's object notifications).
 * Separate from the API function and unreachable from it: only the queue invokes it. Its S3 and
 * DynamoDB clients use its own role's credentials.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { createLedger, createLedgerClient } from '../aws/ledger';
import { createLogger } from '../logging';
import { loadEventsConfig } from './config';
import { createEventsHandler } from './process';

const config = loadEventsConfig(process.env);
const logger = createLogger();

export const handler = createEventsHandler({
  bucket: config.bucketName,
  ledger: createLedger({ client: createLedgerClient(config.region), tableName: config.ledgerTable }),
  s3: new S3Client({ region: config.region, maxAttempts: 3 }),
  uploadRules: config.uploadRules,
  quota: config.quota,
  groupQuota: config.groupQuota,
  log: (message, fields) => logger.info(message, fields),
});
