/**
 * `npm run audit` over team folders: `groups/{group}/{path}` counts for the group's partition
 * `groups/{group}` (levels.groups), exactly as the events function counts it; a group's usage item
 * that disagrees with the bucket is drift named by that partition. The whole run against a deployed
 * stack's outputs, with mocked S3 and DynamoDB clients (no network).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAudit, usageFromListing } from '../../../scripts/audit';
import { groupOwner } from '../../../shared/domain/groups';
import { usageOf } from '../../../shared/events/ledger';

const ALICE = 'us-east-1:11111111-1111-4111-8111-111111111111';
const DESIGN = groupOwner('design');

const LISTING = [
  { Key: 'groups/design/a.png', Size: 100 },
  { Key: 'groups/design/docs/b.txt', Size: 20 },
  { Key: 'groups/ops/c.txt', Size: 3 },
  { Key: `private/${ALICE}/d.txt`, Size: 10 },
  { Key: `groups/${ALICE}/e.txt`, Size: 1 },
  { Key: 'groups/design/', Size: 0 },
];

describe('usageFromListing with team folders', () => {
  it('counts each group folder for its partition, in levels.groups, and leaves no-folder keys out', () => {
    const { usage, uncounted } = usageFromListing(LISTING.map(({ Key, Size }) => ({ key: Key, size: Size })));
    expect(uncounted).toBe(2);
    expect(usage.get(DESIGN)).toEqual(
      usageOf([
        { level: 'groups', size: 100 },
        { level: 'groups', size: 20 },
      ]),
    );
    expect(usage.get(groupOwner('ops'))).toEqual(usageOf([{ level: 'groups', size: 3 }]));
    expect(usage.get(ALICE)).toEqual(usageOf([{ level: 'private', size: 10 }]));
  });
});

describe('npm run audit with team folders (deployed outputs, mocked clients)', () => {
  let dir: string;
  const stubS3 = () => mockClient(S3Client);
  const stubDynamo = () => mockClient(DynamoDBClient);
  let s3: ReturnType<typeof stubS3>;
  let dynamo: ReturnType<typeof stubDynamo>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-files-audit-groups-'));
    s3 = stubS3();
    dynamo = stubDynamo();
    s3.on(ListObjectsV2Command).resolves({ Contents: LISTING, IsTruncated: false });
  });

  afterEach(async () => {
    s3.restore();
    dynamo.restore();
    await rm(dir, { recursive: true, force: true });
  });

  /** A usage item as the ledger stores it. */
  const usageItem = (owner: string, level: string, bytes: number, objects: number) => ({
    pk: { S: owner },
    sk: { S: 'usage' },
    bytes: { N: String(bytes) },
    objects: { N: String(objects) },
    [`${level}Bytes`]: { N: String(bytes) },
    [`${level}Objects`]: { N: String(objects) },
  });

  async function audit(): Promise<{ drifting: number; lines: string[] }> {
    const file = join(dir, 'outputs.json');
    await writeFile(
      file,
      JSON.stringify({
        UserFiles: {
          Region: 'us-east-1',
          UserPoolId: 'us-east-1_Pool1',
          BucketName: 'files',
          LedgerTable: 'ledger',
        },
      }),
    );
    const lines: string[] = [];
    const drifting = await runAudit(['--outputs', file], (line) => lines.push(line));
    return { drifting, lines };
  }

  it('finds no drift when each group’s usage item matches its folder', async () => {
    dynamo.on(ScanCommand).resolves({
      Items: [
        usageItem(DESIGN, 'groups', 120, 2),
        usageItem(groupOwner('ops'), 'groups', 3, 1),
        usageItem(ALICE, 'private', 10, 1),
      ],
    });
    const { drifting, lines } = await audit();
    expect(drifting).toBe(0);
    expect(lines.at(-1)).toBe(
      "no drift: 3 owner(s), 6 object(s) in files; 2 key(s) outside owners' levels, not counted",
    );
  });

  it('names a drifting group by its partition, with the difference per field', async () => {
    dynamo.on(ScanCommand).resolves({
      Items: [usageItem(DESIGN, 'groups', 100, 1), usageItem(ALICE, 'private', 10, 1)],
    });
    const { drifting, lines } = await audit();
    expect(drifting).toBe(2);
    expect(lines).toContain(`drift: ${DESIGN}: ledger -20 bytes, -1 objects against the bucket`);
    expect(lines).toContain(`  ${DESIGN} groups.bytes: ledger 100, actual 120`);
    expect(lines).toContain('drift: groups/ops: ledger -3 bytes, -1 objects against the bucket');
    expect(lines.some((line) => line.startsWith(`drift: ${ALICE}`))).toBe(false);
  });
});
