/**
 * Fakes for the session store: an in-memory DynamoDB (items by table and `id`, shared by every
 * client instance as the real tables are) and a KMS that really generates and encrypts data keys
 * under one master key, and refuses a wrong key or encryption context, as the real key policy does.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { SESSION_KEY_CONTEXT } from '../../../shared/contract/grants';

export const SESSION_TABLE = 'user-files-sessions';
export const SESSION_KEY_ID = '0b5c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';

type Item = Record<string, AttributeValue>;

export function awsServiceError(name: string, httpStatusCode: number, service: 'dynamodb' | 'kms') {
  const init = {
    name,
    message: `${name} from ${service}`,
    $fault: httpStatusCode >= 500 ? ('server' as const) : ('client' as const),
    $metadata: { httpStatusCode },
  };
  return service === 'kms' ? new KMSServiceException(init) : new DynamoDBServiceException(init);
}

/** DynamoDB's GetItem, PutItem and DeleteItem over a map per table. */
export function fakeDynamo() {
  const tables = new Map<string, Map<string, Item>>();
  const tableOf = (name: string | undefined) => {
    const found = tables.get(name ?? '') ?? new Map<string, Item>();
    tables.set(name ?? '', found);
    return found;
  };
  const sdk = mockClient(DynamoDBClient);
  sdk.on(GetItemCommand).callsFake((input: { TableName?: string; Key?: Item }) => {
    const item = tableOf(input.TableName).get(input.Key?.id?.S ?? '');
    return item === undefined ? {} : { Item: structuredClone(item) };
  });
  sdk
    .on(PutItemCommand)
    .callsFake((input: { TableName?: string; Item?: Item; ConditionExpression?: string }) => {
      const id = input.Item?.id?.S ?? '';
      if (input.ConditionExpression === 'attribute_not_exists(id)' && tableOf(input.TableName).has(id)) {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      }
      tableOf(input.TableName).set(id, structuredClone(input.Item ?? {}));
      return {};
    });
  sdk.on(DeleteItemCommand).callsFake((input: { TableName?: string; Key?: Item }) => {
    tableOf(input.TableName).delete(input.Key?.id?.S ?? '');
    return {};
  });
  return { sdk, table: (name = SESSION_TABLE) => tableOf(name) };
}

const contextBytes = (context: Record<string, string> | undefined) =>
  Buffer.from(JSON.stringify(Object.entries(context ?? {}).sort()));

/** KMS's GenerateDataKey and Decrypt for one key, with real AES-256-GCM under a master key. */
export function fakeKms(keyId = SESSION_KEY_ID) {
  const master = randomBytes(32);
  /** Every plaintext data key handed out, so tests can look for them where they must not be. */
  const generated: Buffer[] = [];
  const refuse = (name: string) => {
    throw awsServiceError(name, 400, 'kms');
  };
  const encryptUnder = (context: Record<string, string>, plaintext: Uint8Array) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    cipher.setAAD(contextBytes(context));
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const sdk = mockClient(KMSClient);
  sdk.on(GenerateDataKeyCommand).callsFake((input) => {
    if (input.KeyId !== keyId || input.KeySpec !== 'AES_256') return refuse('ValidationException');
    // The key policy allows data keys only for the sessions' encryption context.
    if (!contextBytes(input.EncryptionContext).equals(contextBytes(SESSION_KEY_CONTEXT))) {
      return refuse('AccessDeniedException');
    }
    const plaintext = randomBytes(32);
    generated.push(plaintext);
    return {
      KeyId: keyId,
      Plaintext: plaintext,
      CiphertextBlob: encryptUnder(input.EncryptionContext, plaintext),
    };
  });
  sdk.on(DecryptCommand).callsFake((input) => {
    const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
    if (input.KeyId !== keyId || blob.length < 29) return refuse('InvalidCiphertextException');
    try {
      const decipher = createDecipheriv('aes-256-gcm', master, blob.subarray(0, 12));
      decipher.setAAD(contextBytes(input.EncryptionContext));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return {
        KeyId: keyId,
        Plaintext: Buffer.concat([decipher.update(blob.subarray(12, -16)), decipher.final()]),
      };
    } catch {
      // A wrong encryption context, or a blob that is not ours.
      return refuse('InvalidCiphertextException');
    }
  });
  return { sdk, encryptUnder, generated };
}
