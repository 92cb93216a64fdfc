/**
 * The session store's KMS data keys: one current key per interval for the **whole fleet** (every
 * item written meanwhile is sealed with it), published in the store's table by the first instance
 * that needs it (a conditional write: later instances take the published one), and a bounded LRU of
 * plaintext keys by their encrypted copy. So `Decrypt` runs once per distinct data key per instance,
 * and the distinct keys are bounded by the intervals a session lives, never by users or instances.
 * Both load single flight, so a burst of first requests makes one call.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ExpiringCache } from '../../../shared/cache/expiring-cache';
import { SESSION_KEY_CONTEXT } from '../../../shared/contract/grants';

/** AES-256: the only key size the store seals with. */
export const DATA_KEY_BYTES = 32;

export interface DataKey {
  readonly plaintext: Buffer;
  /** The KMS-encrypted copy stored beside each item it sealed. */
  readonly encrypted: Uint8Array;
}

export interface DataKeys {
  /** The fleet's key for the current interval: cached, else published by any instance, else made here. */
  current(): Promise<DataKey>;
  /** The plaintext of a stored encrypted copy: cached, else `Decrypt`. */
  plaintextOf(encrypted: Uint8Array): Promise<Buffer>;
}

export interface DataKeysOptions {
  readonly kms: KMSClient;
  /** The store's table, where each interval's key is published. */
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly keyId: string;
  readonly now: () => number;
  readonly ttlMs: number;
  readonly maxKeys: number;
}

const cacheKey = (encrypted: Uint8Array) => Buffer.from(encrypted).toString('base64');

function checkedKey(plaintext: Uint8Array | undefined): Buffer {
  if (plaintext?.length !== DATA_KEY_BYTES) throw new Error('KMS returned no 256-bit data key');
  return Buffer.from(plaintext);
}

async function generateDataKey(kms: KMSClient, keyId: string): Promise<DataKey> {
  const output = await kms.send(
    new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: SESSION_KEY_CONTEXT }),
  );
  if (output.CiphertextBlob === undefined) throw new Error('KMS returned no encrypted data key');
  return { plaintext: checkedKey(output.Plaintext), encrypted: output.CiphertextBlob };
}

/** The table row of one interval's key: no user's row (those start with a user pool ID) looks like it. */
const intervalRowId = (interval: number) => `data-key#${interval}`;

export function createDataKeys(options: DataKeysOptions): DataKeys {
  const { kms, keyId, now, dynamo, tableName, ttlMs } = options;
  const plaintexts = new ExpiringCache<string, Buffer>({ max: options.maxKeys, now });
  const current = new ExpiringCache<number, DataKey>({
    max: 2,
    now,
    expiresAt: () => (Math.floor(now() / ttlMs) + 1) * ttlMs,
  });

  async function generate(): Promise<DataKey> {
    const key = await generateDataKey(kms, keyId);
    // This instance opens what it sealed itself without asking KMS.
    await plaintexts.get(cacheKey(key.encrypted), async () => key.plaintext);
    return key;
  }

  const plaintextOf = (encrypted: Uint8Array) =>
    plaintexts.get(cacheKey(encrypted), async () => {
      const output = await kms.send(
        new DecryptCommand({
          CiphertextBlob: encrypted,
          // Only our key, and only data keys made for sessions, are ever accepted.
          KeyId: keyId,
          EncryptionContext: SESSION_KEY_CONTEXT,
        }),
      );
      return checkedKey(output.Plaintext);
    });

  async function published(interval: number): Promise<DataKey | undefined> {
    const row = await dynamo.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { id: { S: intervalRowId(interval) } },
        ConsistentRead: true,
      }),
    );
    const encrypted = row.Item?.key?.B;
    return encrypted === undefined ? undefined : { plaintext: await plaintextOf(encrypted), encrypted };
  }

  /** The interval's published key, else a new one published here; a race is won by one writer. */
  async function keyOf(interval: number): Promise<DataKey> {
    const found = await published(interval);
    if (found) return found;
    const made = await generate();
    // Kept past the last session it can seal: the table's TTL removes it then.
    const expiresAt = Math.ceil(((interval + 1) * ttlMs + 2 * 43_200_000) / 1000);
    try {
      await dynamo.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            id: { S: intervalRowId(interval) },
            key: { B: made.encrypted },
            expiresAt: { N: String(expiresAt) },
          },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return made;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await published(interval)) ?? made;
    }
  }

  return {
    current: () => {
      const interval = Math.floor(now() / ttlMs);
      return current.get(interval, () => keyOf(interval));
    },
    plaintextOf,
  };
}
