/** The deployment's guest session: one identity for the fleet, its session shared like a user's. */
import { CognitoIdentityClient, GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createIdentityService } from '../../../../lambdas/aws/identity';
import { createSessionStore } from '../../../../lambdas/aws/session-store';
import {
  createGuestIdentityRecord,
  guestIdentityItemId,
} from '../../../../lambdas/aws/session-store/guest-identity';
import {
  alice,
  type Clock,
  clock,
  config,
  GUEST_IDENTITY_ID,
  GUEST_ROLE_ARN,
  mockAws,
} from '../../support/fixtures';
import { fakeDynamo, fakeKms, SESSION_KEY_ID, SESSION_TABLE } from '../../support/session-store-fakes';

const noWait = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, sleep: async () => undefined };
let testClock: Clock;
let aws: ReturnType<typeof mockAws>;
let dynamo: ReturnType<typeof fakeDynamo>;
let kms: ReturnType<typeof fakeKms>;

beforeEach(() => {
  testClock = clock();
  aws = mockAws({ users: [alice], clock: testClock });
  dynamo = fakeDynamo();
  kms = fakeKms();
});

afterEach(() => {
  aws.cognito.restore();
  aws.sts.restore();
  dynamo.sdk.restore();
  kms.sdk.restore();
});

/** A new Lambda instance with guest access, over the shared table and key (or none). */
function instance(options: { store: boolean; guests?: boolean } = { store: true }) {
  const dynamoClient = new DynamoDBClient({ region: 'us-east-1' });
  return createIdentityService({
    mode: 'sealed',
    client: new CognitoIdentityClient({ region: 'us-east-1' }),
    sts: new STSClient({ region: 'us-east-1' }),
    roleArn: config.authenticatedRoleArn,
    ...(options.guests === false ? {} : { unauthenticatedRoleArn: GUEST_ROLE_ARN }),
    sessionDurationSeconds: 43_200,
    userPoolId: config.userPoolId,
    identityPoolId: config.identityPoolId,
    loginsKey: config.loginsKey,
    developerProviderName: config.developerProviderName,
    now: testClock.now,
    retry: noWait,
    ...(options.store
      ? {
          sessionStore: createSessionStore({
            dynamo: dynamoClient,
            kms: new KMSClient({ region: 'us-east-1' }),
            tableName: SESSION_TABLE,
            keyId: SESSION_KEY_ID,
            now: testClock.now,
          }),
          guestIdentity: createGuestIdentityRecord({
            dynamo: dynamoClient,
            tableName: SESSION_TABLE,
            identityPoolId: config.identityPoolId,
          }),
        }
      : {}),
  });
}

const getIds = () => aws.cognito.commandCalls(GetIdCommand).length;
const upstream = () => aws.cognito.calls().length + aws.sts.calls().length;

describe('the guest session', () => {
  test('is the guest identity on the unauthenticated role, and the first instance publishes the identity', async () => {
    const session = await instance().guest?.session();
    expect(session?.identityId).toBe(GUEST_IDENTITY_ID);
    expect(aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]?.args[0].input.RoleArn).toBe(
      GUEST_ROLE_ARN,
    );
    expect(dynamo.table().get(guestIdentityItemId(config.identityPoolId))?.identityId).toEqual({
      S: GUEST_IDENTITY_ID,
    });
  });

  test('a second instance serves guests with no Cognito or STS call at all', async () => {
    const first = await instance().guest?.session();
    const before = upstream();
    expect(await instance().guest?.session()).toEqual(first);
    expect(upstream()).toBe(before);
  });

  test('once the stored session has expired, a new instance mints on the published identity, never a new one', async () => {
    await instance().guest?.session();
    testClock.advance(13 * 3_600_000);
    const session = await instance().guest?.session();
    expect(session?.identityId).toBe(GUEST_IDENTITY_ID);
    expect(getIds()).toBe(1);
    expect(aws.cognito.commandCalls(GetOpenIdTokenCommand)).toHaveLength(2);
  });

  test('an identity Cognito no longer knows is replaced, for the whole fleet', async () => {
    const stale = 'us-east-1:00000000-dead-4000-8000-000000000000';
    dynamo.table().set(guestIdentityItemId(config.identityPoolId), {
      id: { S: guestIdentityItemId(config.identityPoolId) },
      identityId: { S: stale },
    });
    const session = await instance().guest?.session();
    expect(session?.identityId).toBe(GUEST_IDENTITY_ID);
    expect(dynamo.table().get(guestIdentityItemId(config.identityPoolId))?.identityId).toEqual({
      S: GUEST_IDENTITY_ID,
    });
  });

  test('without a store, each instance asks GetId once and caches the session', async () => {
    const one = instance({ store: false });
    await Promise.all([one.guest?.session(), one.guest?.session(), one.guest?.session()]);
    await instance({ store: false }).guest?.session();
    expect(getIds()).toBe(2);
  });

  test('a deployment without the unauthenticated role has no guest session', () => {
    expect(instance({ store: true, guests: false }).guest).toBeUndefined();
  });
});
