/**
 * The fleet-wide session store through the local stack's own doors: two API-function instances
 * (each its own caches, the function's keys, real SDK clients) share one user's session with one
 * mint, the shared session is still bound by IAM to that user's folder, and a stored session moved
 * to another user's row is refused and re-minted.
 */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Caller, createIdentityService } from '../../../lambdas/aws/identity';
import { createSessionStore } from '../../../lambdas/aws/session-store';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';
import { localAppClient, signInWithPassword } from '../../support/sign-in';

let stack: LocalStack;
let alice: Caller;
let bob: Caller;

async function callerOf(index: number): Promise<Caller> {
  const user = stack.outputs.DemoUsers[index];
  if (!user) throw new Error('no demo user');
  const { idToken } = await signInWithPassword(localAppClient(stack.outputs), user);
  const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString()) as {
    sub: string;
  };
  return { sub: claims.sub, username: user.username, idToken };
}

/** One API-function instance, as `lambdas/api/deps.ts` builds it, counting its Cognito and STS calls. */
function instance() {
  const { outputs, functionCredentials: credentials } = stack;
  const region = outputs.Region;
  const calls = { cognito: 0, sts: 0 };
  const cognito = new CognitoIdentityClient({
    region,
    endpoint: outputs.CognitoIdentityEndpoint,
    credentials,
  });
  cognito.middlewareStack.add(
    (next) => (args) => {
      calls.cognito += 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  const sts = new STSClient({ region, endpoint: outputs.StsEndpoint, credentials });
  sts.middlewareStack.add(
    (next) => (args) => {
      calls.sts += 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  const sessionKeyId = stack.sessionKeyId;
  if (!sessionKeyId || !stack.developerProviderName) throw new Error('a sealed stack with a session store');
  const identity = createIdentityService({
    mode: 'sealed',
    client: cognito,
    sts,
    userPoolId: outputs.UserPoolId,
    identityPoolId: outputs.IdentityPoolId,
    loginsKey: `cognito-idp.${region}.amazonaws.com/${outputs.UserPoolId}`,
    developerProviderName: stack.developerProviderName,
    roleArn: stack.authenticatedRoleArn,
    sessionDurationSeconds: 3600,
    sessionStore: createSessionStore({
      dynamo: new DynamoDBClient({ region, endpoint: outputs.DynamoDbEndpoint, credentials }),
      kms: new KMSClient({ region, endpoint: outputs.KmsEndpoint, credentials }),
      tableName: outputs.SessionTable,
      keyId: sessionKeyId,
    }),
  });
  return { identity, calls };
}

function s3With(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) {
  const { Region: region, S3Endpoint: endpoint } = stack.outputs;
  return new S3Client({ region, endpoint, forcePathStyle: true, credentials });
}

beforeAll(async () => {
  stack = await startLocalStack({ api: false, quiet: true });
  [alice, bob] = await Promise.all([callerOf(0), callerOf(1)]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the fleet-wide session store, locally', () => {
  test('a second instance serves the user the first one minted, with no Cognito or STS call', async () => {
    const first = instance();
    const minted = await first.identity.session(alice);
    expect(first.calls.cognito).toBeGreaterThan(0);
    expect(first.calls.sts).toBe(1);

    const second = instance();
    const shared = await second.identity.session(alice);
    expect(second.calls).toEqual({ cognito: 0, sts: 0 });
    expect(shared.identityId).toBe(minted.identityId);
    expect(shared.credentials.accessKeyId).toBe(minted.credentials.accessKeyId);
  });

  test('the shared session still reaches only its own folder: IAM refuses another user’s', async () => {
    const { identity } = instance();
    const own = await identity.session(alice);
    const other = await identity.session(bob);
    const s3 = s3With(own.credentials);
    const put = (owner: string) =>
      s3.send(
        new PutObjectCommand({ Bucket: stack.outputs.BucketName, Key: `private/${owner}/x.txt`, Body: 'x' }),
      );
    await expect(put(own.identityId)).resolves.toBeDefined();
    await expect(put(other.identityId)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  test('a stored session moved to another user’s row is refused, and that user gets their own', async () => {
    const { Region: region, DynamoDbEndpoint: endpoint, SessionTable: TableName, UserPoolId } = stack.outputs;
    const dynamo = new DynamoDBClient({ region, endpoint, credentials: stack.functionCredentials });
    const alices = await instance().identity.session(alice);
    const row = await dynamo.send(
      new GetItemCommand({ TableName, Key: { id: { S: `${UserPoolId}#${alice.sub}` } } }),
    );
    if (!row.Item) throw new Error('alice has a stored session');
    await dynamo.send(
      new PutItemCommand({ TableName, Item: { ...row.Item, id: { S: `${UserPoolId}#${bob.sub}` } } }),
    );

    const fresh = instance();
    const bobs = await fresh.identity.session(bob);
    expect(bobs.credentials.accessKeyId).not.toBe(alices.credentials.accessKeyId);
    expect(bobs.identityId).not.toBe(alices.identityId);
    expect(fresh.calls.sts).toBe(1);
  });
});
