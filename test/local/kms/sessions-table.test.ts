/**
 * The session store's table through the DynamoDB door, on a whole local stack: the API function
 * holds exactly `TABLE_GRANTS.api.sessions` there, the events function nothing, and the bootstrap
 * created it as deployed. A stack started without the store has no table.
 */
import {
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, api: false });
});

afterAll(async () => {
  await stack?.stop();
});

async function using<T>(credentials: AwsCredentialIdentity, work: (dynamo: DynamoDBClient) => Promise<T>) {
  const dynamo = new DynamoDBClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.DynamoDbEndpoint,
    credentials,
    maxAttempts: 1,
  });
  try {
    return await work(dynamo);
  } finally {
    dynamo.destroy();
  }
}

const key = { id: { S: 'session-1' } };

describe('the sessions table', () => {
  // Its TTL is set by the bootstrap (UpdateTimeToLive through the door), which fails the start if refused.
  it('is user-files-local-sessions, keyed by id', async () => {
    const TableName = stack.outputs.SessionTable;
    expect(TableName).toBe('user-files-local-sessions');
    await using(stack.adminCredentials, async (dynamo) => {
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
      expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    });
  });

  it('the API function may PutItem, GetItem and DeleteItem there', async () => {
    const TableName = stack.outputs.SessionTable;
    await using(stack.functionCredentials, async (dynamo) => {
      await dynamo.send(new PutItemCommand({ TableName, Item: { ...key, blob: { S: 'sealed' } } }));
      const got = await dynamo.send(new GetItemCommand({ TableName, Key: key }));
      expect(got.Item?.blob?.S).toBe('sealed');
      await dynamo.send(new DeleteItemCommand({ TableName, Key: key }));
      expect((await dynamo.send(new GetItemCommand({ TableName, Key: key }))).Item).toBeUndefined();
    });
  });

  it('the API function may do nothing else there (Scan, Query, UpdateItem)', async () => {
    const TableName = stack.outputs.SessionTable;
    await using(stack.functionCredentials, async (dynamo) => {
      for (const command of [
        new ScanCommand({ TableName }),
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'id = :id',
          ExpressionAttributeValues: { ':id': key.id },
        }),
        new UpdateItemCommand({
          TableName,
          Key: key,
          UpdateExpression: 'SET a = :a',
          ExpressionAttributeValues: { ':a': { S: 'x' } },
        }),
      ]) {
        await expect(dynamo.send(command as ScanCommand)).rejects.toMatchObject({
          name: 'AccessDeniedException',
        });
      }
    });
  });

  it('the events function may do nothing there', async () => {
    const TableName = stack.outputs.SessionTable;
    await using(stack.eventsCredentials, async (dynamo) => {
      for (const command of [
        new GetItemCommand({ TableName, Key: key }),
        new PutItemCommand({ TableName, Item: key }),
        new DeleteItemCommand({ TableName, Key: key }),
      ]) {
        await expect(dynamo.send(command as GetItemCommand)).rejects.toMatchObject({
          name: 'AccessDeniedException',
        });
      }
    });
  });
});

describe('a stack started without the session store', () => {
  it('has no sessions table and says so in its outputs', async () => {
    const bare = await startLocalStack({ quiet: true, api: false, sessionStore: false });
    const dynamo = new DynamoDBClient({
      region: bare.outputs.Region,
      endpoint: bare.outputs.DynamoDbEndpoint,
      credentials: bare.adminCredentials,
      maxAttempts: 1,
    });
    try {
      expect(bare.outputs.SessionTable).toBe('');
      await expect(
        dynamo.send(new DescribeTableCommand({ TableName: stack.outputs.SessionTable })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      dynamo.destroy();
      await bare.stop();
    }
  });
});
