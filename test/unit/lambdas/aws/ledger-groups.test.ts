/**
 * The DynamoDB ledger on a group's partition (`groups/{group}`), with a mocked client: an event of a
 * team folder's object is one transaction in the group's partition (entry, usage in `groups*`
 * attributes, the upload's reservation), never a share-index write; the group's usage item gives
 * its override; its rejections live in its partition.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger } from '../../../../lambdas/aws/ledger';
import { groupOwner } from '../../../../shared/domain/groups';
import { parseNotification } from '../../../../shared/events/s3-event';

const DESIGN = groupOwner('design');
const USER = 'us-east-1:11111111-1111-4111-8111-111111111111';
const GRANTEE = 'us-east-1:22222222-2222-4222-8222-222222222222';
const TABLE = 'ledger';

const stubDynamo = () => mockClient(DynamoDBClient);
let dynamo: ReturnType<typeof stubDynamo>;

beforeEach(() => {
  dynamo = stubDynamo();
  dynamo.on(GetItemCommand).resolves({});
  dynamo.on(TransactWriteItemsCommand).resolves({});
  dynamo.on(PutItemCommand).resolves({});
});

afterEach(() => dynamo.restore());

const ledger = () => createLedger({ client: new DynamoDBClient({ region: 'us-east-1' }), tableName: TABLE });

/** The one event of a created object at `key`, as the events function parses it. */
function createdAt(key: string) {
  const body = JSON.stringify({
    Records: [
      {
        eventSource: 'aws:s3',
        eventTime: '2026-12-01T00:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'files' }, object: { key, size: 12, sequencer: '0A' } },
      },
    ],
  });
  const [event] = parseNotification(body, 'files');
  if (event === undefined) throw new Error(`${key} is no owner's object`);
  return event;
}

/** The partition and sort key of each write of the transaction. */
function writtenKeys(items: readonly TransactWriteItem[]) {
  return items.map((item) => {
    const key = item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? {};
    return `${key.pk?.S} ${key.sk?.S}`;
  });
}

describe('the ledger on a group partition', () => {
  it('applies a team folder’s event in the group’s partition, with no share-index write', async () => {
    expect(await ledger().applyEvent(createdAt('groups/design/a.txt'))).toBe('applied');
    expect(dynamo.commandCalls(GetItemCommand)[0]?.args[0].input.Key).toEqual({
      pk: { S: DESIGN },
      sk: { S: 'object#groups/design/a.txt' },
    });
    const items = dynamo.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(writtenKeys(items)).toEqual([
      `${DESIGN} object#groups/design/a.txt`,
      `${DESIGN} usage`,
      `${DESIGN} reservation#groups/design/a.txt`,
    ]);
    expect(items[0]?.Put?.Item?.level).toEqual({ S: 'groups' });
    expect(items[1]?.Update?.ExpressionAttributeNames).toMatchObject({
      '#lb': 'groupsBytes',
      '#lo': 'groupsObjects',
    });
  });

  it('a share, by contrast, also writes the grantee’s index item (what a group object never does)', async () => {
    await ledger().applyEvent(createdAt(`shared/${USER}/${GRANTEE}/a.txt`));
    const items = dynamo.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(writtenKeys(items)).toContain(`${GRANTEE} incoming#${USER}/a.txt`);
  });

  it('reads the group’s usage and override from its usage item, and records rejections in its partition', async () => {
    dynamo.on(GetItemCommand, { Key: { pk: { S: DESIGN }, sk: { S: 'usage' } } }).resolves({
      Item: {
        pk: { S: DESIGN },
        sk: { S: 'usage' },
        bytes: { N: '30' },
        objects: { N: '2' },
        groupsBytes: { N: '30' },
        groupsObjects: { N: '2' },
        quotaBytes: { N: '500' },
        version: { N: '4' },
      },
    });
    const record = await ledger().usage(DESIGN);
    expect(record).toMatchObject({
      usage: { bytes: 30, objects: 2, levels: { groups: { bytes: 30, objects: 2 } } },
      quota: { bytes: 500 },
      version: 4,
    });
    await ledger().recordRejection(DESIGN, {
      key: 'groups/design/b.txt',
      level: 'groups',
      reason: 'too_large',
      detail: 'x',
      at: '2026-12-01T00:00:00.000Z',
    });
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: { S: DESIGN },
      sk: { S: 'rejection#2026-12-01T00:00:00.000Z#groups/design/b.txt' },
      level: { S: 'groups' },
    });
  });
});
