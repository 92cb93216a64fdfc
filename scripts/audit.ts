/**
 * `npm run audit [-- --outputs <file>] [-- --stack <name>]`: recomputes every owner's usage (bytes
 * and objects, per level and in total) from a listing of the bucket and compares it with the usage
 * ledger. Prints each owner's drift, or "no drift"; exits 1 on drift, 2 on bad usage, 3 when it
 * could not read the bucket or the ledger.
 *
 * Keys are counted as the events function counts them (`ownerOf`: `{level}/{identityId}/{path}`
 * in private, protected or public, a share `shared/{owner}/{grantee}/{path}` for its owner, and a
 * team folder's `groups/{group}/{path}` for the group's partition `groups/{group}`, printed so);
 * anything else (stray keys) the ledger does not count either, and is only reported as a number.
 *
 * Outputs and credentials as `npm run users`: for the local stack (default .local/outputs.json), the
 * running stack's admin keys (ledger `Scan`) and its read-only audit credential (S3 `ListBucket`
 * only), both from the 0600 `admin-keys.json` beside the outputs; for a deployed stack (the file of
 * `cdk deploy --outputs-file`), your own AWS credentials (the SDK's default chain), which need
 * `s3:ListBucket` on the bucket and `dynamodb:Scan` on the ledger.
 *
 * Events still in flight show as drift until they are applied: run it when uploads are quiet, or
 * run it again.
 */

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { toUsage, USAGE_SK } from '../lambdas/aws/ledger';
import { ADMIN_KEYS_FILE_NAME, readAdminKeys } from '../local/stack/admin-keys';
import { addDelta, EMPTY_USAGE, type Usage, usageDrift } from '../shared/events/ledger';
import { ownerOf } from '../shared/events/s3-event';
import { readOutputs, UsageError } from './users';

const DEFAULT_OUTPUTS = join(dirname(fileURLToPath(import.meta.url)), '..', '.local', 'outputs.json');
const USAGE = 'usage: npm run audit [-- --outputs <file>] [-- --stack <name>]';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
}

/** Every owner's usage from a listing, and how many keys no owner's usage counts. */
export function usageFromListing(objects: Iterable<ListedObject>): {
  readonly usage: Map<string, Usage>;
  readonly uncounted: number;
} {
  const usage = new Map<string, Usage>();
  let uncounted = 0;
  for (const object of objects) {
    const where = ownerOf(object.key);
    if (where === undefined) {
      uncounted += 1;
      continue;
    }
    usage.set(
      where.owner,
      addDelta(usage.get(where.owner) ?? EMPTY_USAGE, { level: where.level, bytes: object.size, objects: 1 }),
    );
  }
  return { usage, uncounted };
}

export interface OwnerDrift {
  readonly owner: string;
  /** Ledger minus actual. */
  readonly bytes: number;
  readonly objects: number;
  /** Every field that differs, as `usageDrift` words it. */
  readonly lines: readonly string[];
}

/** Owners whose ledger usage differs from the listing's (an owner missing on one side counts as zero there). */
export function compareUsage(
  ledger: ReadonlyMap<string, Usage>,
  actual: ReadonlyMap<string, Usage>,
): OwnerDrift[] {
  const owners = [...new Set([...ledger.keys(), ...actual.keys()])].sort();
  const drifts: OwnerDrift[] = [];
  for (const owner of owners) {
    const l = ledger.get(owner) ?? EMPTY_USAGE;
    const a = actual.get(owner) ?? EMPTY_USAGE;
    const lines = usageDrift(owner, l, a);
    if (lines.length > 0) {
      drifts.push({ owner, bytes: l.bytes - a.bytes, objects: l.objects - a.objects, lines });
    }
  }
  return drifts;
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

interface Target {
  readonly region: string;
  readonly bucket: string;
  readonly ledgerTable: string;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

async function loadTarget(outputsFile: string, stack: string | undefined): Promise<Target> {
  const outputs = await readOutputs(outputsFile, stack);
  const { Region: region, BucketName: bucket, LedgerTable: ledgerTable } = outputs;
  if (typeof region !== 'string' || typeof bucket !== 'string' || typeof ledgerTable !== 'string') {
    throw new UsageError(
      `${outputsFile}: Region, BucketName and LedgerTable must be strings (a stack deployed before LedgerTable was an output: deploy again)`,
    );
  }
  const s3Endpoint = outputs.S3Endpoint;
  const dynamoEndpoint = outputs.DynamoDbEndpoint;
  if (typeof s3Endpoint !== 'string' || typeof dynamoEndpoint !== 'string') {
    return {
      region,
      bucket,
      ledgerTable,
      s3: new S3Client({ region }),
      dynamodb: new DynamoDBClient({ region }),
    };
  }
  const keysFile = join(dirname(outputsFile), ADMIN_KEYS_FILE_NAME);
  const keys = await readAdminKeys(keysFile);
  if (keys === undefined) {
    throw new UsageError(`no local stack is running (${keysFile} is missing): start it with npm start`);
  }
  if (keys.audit === undefined) {
    throw new UsageError(`${keysFile} holds no audit credential: restart the local stack (npm start)`);
  }
  return {
    region,
    bucket,
    ledgerTable,
    s3: new S3Client({ region, endpoint: s3Endpoint, forcePathStyle: true, credentials: keys.audit }),
    dynamodb: new DynamoDBClient({
      region,
      endpoint: dynamoEndpoint,
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    }),
  };
}

async function* listBucket(s3: S3Client, bucket: string): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** Every owner's usage item (other items, the per-object ones, are not read). */
async function ledgerUsage(dynamodb: DynamoDBClient, table: string): Promise<Map<string, Usage>> {
  const usage = new Map<string, Usage>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'sk = :usage',
        ExpressionAttributeValues: { ':usage': { S: USAGE_SK } },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const owner = item.pk?.S;
      if (owner !== undefined) usage.set(owner, toUsage(item));
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return usage;
}

/** Runs the audit, printing to `print`; resolves to the number of owners with drift. */
export async function runAudit(args: readonly string[], print: (line: string) => void): Promise<number> {
  let values: { outputs?: string; stack?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: { outputs: { type: 'string' }, stack: { type: 'string' } },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const target = await loadTarget(values.outputs ?? DEFAULT_OUTPUTS, values.stack);
  try {
    const listing: ListedObject[] = [];
    for await (const object of listBucket(target.s3, target.bucket)) listing.push(object);
    const actual = usageFromListing(listing);
    const ledger = await ledgerUsage(target.dynamodb, target.ledgerTable);
    const drifts = compareUsage(ledger, actual.usage);
    const owners = new Set([...ledger.keys(), ...actual.usage.keys()]).size;
    for (const drift of drifts) {
      print(
        `drift: ${drift.owner}: ledger ${signed(drift.bytes)} bytes, ${signed(drift.objects)} objects against the bucket`,
      );
      for (const line of drift.lines) print(`  ${line}`);
    }
    const uncounted =
      actual.uncounted === 0 ? '' : `; ${actual.uncounted} key(s) outside owners' levels, not counted`;
    print(
      drifts.length === 0
        ? `no drift: ${owners} owner(s), ${listing.length} object(s) in ${target.bucket}${uncounted}`
        : `${drifts.length} of ${owners} owner(s) drift${uncounted}`,
    );
    return drifts.length;
  } finally {
    target.s3.destroy();
    target.dynamodb.destroy();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAudit(process.argv.slice(2), (line) => console.log(line)).then(
    (drifting) => process.exit(drifting === 0 ? 0 : 1),
    (error: unknown) => {
      // An AWS error's name and message (AccessDenied, ResourceNotFoundException...) say enough.
      const message =
        error instanceof Error
          ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
          : String(error);
      console.error(`npm run audit: ${message}`);
      process.exit(error instanceof UsageError ? 2 : 3);
    },
  );
}
