/**
 * Counting in-process fakes for the fleet simulation (bench/fleet.ts): Cognito Identity (sealed
 * mode's developer login), STS, DynamoDB (GetItem/PutItem/DeleteItem on a Map) and KMS (data keys).
 * Each is an object with `send(command)` dispatching on the command's class, cast to the SDK
 * client: aws-sdk-client-mock's middleware costs too much over millions of calls.
 */

import { randomBytes } from 'node:crypto';
import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleWithWebIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

/** Every fake's calls, by operation: the fleet's figures are differences of these. */
export interface FleetCalls {
  developerTokens: number;
  assumeRoles: number;
  dynamoGets: number;
  dynamoPuts: number;
  dynamoDeletes: number;
  generateDataKeys: number;
  decrypts: number;
}

export interface FleetFakes {
  readonly cognito: CognitoIdentityClient;
  readonly sts: STSClient;
  readonly dynamo: DynamoDBClient;
  readonly kms: KMSClient;
  readonly calls: FleetCalls;
  readonly now: () => number;
}

const TOKEN_PREFIX = 'fleet-openid.';

function failure(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** Cognito: one identity per developer login, looked up in `identities` (login → identity ID). */
function fakeCognito(identities: ReadonlyMap<string, string>, calls: FleetCalls, provider: string) {
  return {
    async send(command: unknown) {
      if (!(command instanceof GetOpenIdTokenForDeveloperIdentityCommand)) {
        throw new TypeError(`the Cognito fake has no ${String(command)}`);
      }
      calls.developerTokens++;
      const identityId = identities.get(command.input.Logins?.[provider] ?? '');
      if (identityId === undefined) throw failure('NotAuthorizedException', 'unknown developer login');
      return { IdentityId: identityId, Token: `${TOKEN_PREFIX}${identityId}` };
    },
  } as unknown as CognitoIdentityClient;
}

/** STS: sessions as long as asked (12 h in the fleet), for the identity the token names. */
function fakeSts(now: () => number, calls: FleetCalls) {
  return {
    async send(command: unknown) {
      if (!(command instanceof AssumeRoleWithWebIdentityCommand)) {
        throw new TypeError(`the STS fake has no ${String(command)}`);
      }
      calls.assumeRoles++;
      const { WebIdentityToken = '', DurationSeconds = 3600 } = command.input;
      if (!WebIdentityToken.startsWith(TOKEN_PREFIX)) throw failure('InvalidIdentityToken', 'bad token');
      return {
        SubjectFromWebIdentityToken: WebIdentityToken.slice(TOKEN_PREFIX.length),
        Credentials: {
          AccessKeyId: `ASIAFLEET${calls.assumeRoles}`,
          SecretAccessKey: 'fleet-secret',
          SessionToken: 'fleet-session-token',
          Expiration: new Date(now() + DurationSeconds * 1000),
        },
      };
    },
  } as unknown as STSClient;
}

type Item = Record<string, AttributeValue>;

/**
 * DynamoDB: one table in a Map. The key's attribute names are learned from the first GetItem or
 * DeleteItem (the store reads before it writes), so the fake needs no copy of the store's schema.
 */
function fakeDynamo(calls: FleetCalls) {
  const items = new Map<string, Item>();
  let keyNames: readonly string[] | undefined;
  const keyOf = (key: Item) => {
    keyNames ??= Object.keys(key).sort();
    return JSON.stringify(keyNames.map((name) => key[name]));
  };
  return {
    async send(command: unknown) {
      if (command instanceof GetItemCommand) {
        calls.dynamoGets++;
        const item = items.get(keyOf(command.input.Key ?? {}));
        return item === undefined ? {} : { Item: item };
      }
      if (command instanceof PutItemCommand) {
        calls.dynamoPuts++;
        if (keyNames === undefined) throw new Error('the DynamoDB fake saw a PutItem before any key');
        const item = command.input.Item ?? {};
        if (command.input.ConditionExpression === 'attribute_not_exists(id)' && items.has(keyOf(item))) {
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: {},
          });
        }
        items.set(keyOf(item), item);
        return {};
      }
      if (command instanceof DeleteItemCommand) {
        calls.dynamoDeletes++;
        items.delete(keyOf(command.input.Key ?? {}));
        return {};
      }
      throw new TypeError(`the DynamoDB fake has no ${String(command)}`);
    },
  } as unknown as DynamoDBClient;
}

const sameContext = (a?: Record<string, string>, b?: Record<string, string>) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/** KMS: random 32-byte data keys; the "ciphertext" is a handle that maps back to key and context. */
function fakeKms(calls: FleetCalls) {
  const keys = new Map<string, { plaintext: Uint8Array; context?: Record<string, string> }>();
  return {
    async send(command: unknown) {
      if (command instanceof GenerateDataKeyCommand) {
        calls.generateDataKeys++;
        const plaintext = new Uint8Array(randomBytes(32));
        const handle = `fleet-data-key-${calls.generateDataKeys}`;
        keys.set(handle, { plaintext, context: command.input.EncryptionContext });
        const CiphertextBlob = new TextEncoder().encode(handle);
        return { KeyId: command.input.KeyId, Plaintext: plaintext.slice(), CiphertextBlob };
      }
      if (command instanceof DecryptCommand) {
        calls.decrypts++;
        const key = keys.get(new TextDecoder().decode(command.input.CiphertextBlob));
        // As KMS does: a data key decrypts only under the context it was made with.
        if (key === undefined || !sameContext(key.context, command.input.EncryptionContext)) {
          throw failure('InvalidCiphertextException', 'ciphertext or encryption context mismatch');
        }
        return { KeyId: command.input.KeyId, Plaintext: key.plaintext.slice() };
      }
      throw new TypeError(`the KMS fake has no ${String(command)}`);
    },
  } as unknown as KMSClient;
}

/** All four fakes over one clock, counting into one `calls`. */
export function fleetFakes(options: {
  readonly identities: ReadonlyMap<string, string>;
  readonly developerProviderName: string;
  readonly now: () => number;
}): FleetFakes {
  const calls: FleetCalls = {
    developerTokens: 0,
    assumeRoles: 0,
    dynamoGets: 0,
    dynamoPuts: 0,
    dynamoDeletes: 0,
    generateDataKeys: 0,
    decrypts: 0,
  };
  return {
    cognito: fakeCognito(options.identities, calls, options.developerProviderName),
    sts: fakeSts(options.now, calls),
    dynamo: fakeDynamo(calls),
    kms: fakeKms(calls),
    calls,
    now: options.now,
  };
}
