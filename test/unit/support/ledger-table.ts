/**
 * The ledger table in memory, behind every DynamoDBClient (aws-sdk-client-mock): the single-item
 * reads and writes, `Query` on one partition (optionally `begins_with` on the sort key), and the
 * batch operations the API function uses (`BatchGetItem`, `BatchWriteItem` deletes). Enough for
 * the routes that read and write people, usage and the partition purge, with what they send
 * recorded by the mock.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  type DynamoDBClientResolvedConfig,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../lambdas/api/config';
import { ENV } from './fixtures';

export const LEDGER_TABLE = 'user-files-ledger-test';
/** The fixture's sealed configuration with a ledger. */
export const sealedLedgerConfig = loadConfig({ ...ENV, ACCESS_MODE: 'sealed', LEDGER_TABLE });

type Item = Record<string, AttributeValue>;
type SdkMock = AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBClientResolvedConfig>;

export interface LedgerTable {
  /** aws-sdk-client-mock's handle on every DynamoDBClient: the calls it recorded, for assertions. */
  readonly sdk: SdkMock;
  /** Every item, by `pk` then `sk`. */
  readonly items: Map<string, Item>;
  put(item: Item): void;
  get(pk: string, sk: string): Item | undefined;
  /** How many keys of the next `BatchGetItem`s to leave unprocessed (throttling), one count per call. */
  leaveUnprocessed: number[];
  restore(): void;
}

const keyOf = (pk: string | undefined, sk: string | undefined) => `${pk ?? ''}\0${sk ?? ''}`;

export function ledgerTable(): LedgerTable {
  const sdk = mockClient(DynamoDBClient);
  const items = new Map<string, Item>();
  const table: LedgerTable = {
    sdk,
    items,
    put: (item) => items.set(keyOf(item.pk?.S, item.sk?.S), item),
    get: (pk, sk) => items.get(keyOf(pk, sk)),
    leaveUnprocessed: [],
    restore: () => sdk.restore(),
  };
  sdk.on(PutItemCommand).callsFake((input: { Item?: Item }) => {
    if (input.Item) table.put(input.Item);
    return {};
  });
  sdk.on(GetItemCommand).callsFake((input: { Key?: Item }) => {
    const item = table.get(input.Key?.pk?.S ?? '', input.Key?.sk?.S ?? '');
    return item === undefined ? {} : { Item: item };
  });
  sdk.on(QueryCommand).callsFake((input: { ExpressionAttributeValues?: Item }) => {
    const pk = input.ExpressionAttributeValues?.[':pk']?.S;
    const prefix = input.ExpressionAttributeValues?.[':prefix']?.S ?? '';
    const found = [...items.values()]
      .filter((item) => item.pk?.S === pk && (item.sk?.S ?? '').startsWith(prefix))
      .sort((a, b) => ((a.sk?.S ?? '') < (b.sk?.S ?? '') ? -1 : 1));
    return { Items: found };
  });
  type BatchGet = {
    RequestItems?: Record<
      string,
      { Keys?: Item[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }
    >;
  };
  sdk.on(BatchGetItemCommand).callsFake((input: BatchGet) => {
    const request = input.RequestItems?.[LEDGER_TABLE];
    const keys = request?.Keys ?? [];
    // As DynamoDB projects: only the attributes the expression names (`#name` through the map).
    const projected = (request?.ProjectionExpression ?? '')
      .split(',')
      .map((name) => name.trim())
      .map((name) => request?.ExpressionAttributeNames?.[name] ?? name);
    const left = Math.min(table.leaveUnprocessed.shift() ?? 0, keys.length);
    const served = keys.slice(0, keys.length - left);
    const found = served.flatMap((key) => {
      const item = table.get(key.pk?.S ?? '', key.sk?.S ?? '');
      if (item === undefined) return [];
      // No projection: the whole item, as DynamoDB answers.
      if (request?.ProjectionExpression === undefined) return [item];
      return [Object.fromEntries(Object.entries(item).filter(([name]) => projected.includes(name)))];
    });
    return {
      Responses: { [LEDGER_TABLE]: found },
      ...(left > 0 ? { UnprocessedKeys: { [LEDGER_TABLE]: { Keys: keys.slice(keys.length - left) } } } : {}),
    };
  });
  sdk
    .on(BatchWriteItemCommand)
    .callsFake((input: { RequestItems?: Record<string, { DeleteRequest?: { Key?: Item } }[]> }) => {
      for (const request of input.RequestItems?.[LEDGER_TABLE] ?? []) {
        const key = request.DeleteRequest?.Key;
        items.delete(keyOf(key?.pk?.S, key?.sk?.S));
      }
      return {};
    });
  return table;
}

/** A person item as the function writes it. */
export const personItem = (identityId: string, username: string, sub = `sub-of-${username}`): Item => ({
  pk: { S: identityId },
  sk: { S: 'person' },
  sub: { S: sub },
  username: { S: username },
});
