/**
 * Team folders end to end: A and B in a group, C not. A uploads, B overwrites and lists, C is
 * refused at the API and by storage with the very session the function gets for C; removing B
 * from the group ends B's access with B's next token. Sealed mode only (`direct-groups.test.ts`).
 */
import { randomBytes } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  DeleteGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_SK } from '../../lambdas/aws/ledger';
import { groupOwner } from '../../shared/domain/groups';
import { createFreshUser } from './support/fresh-user';
import { identityCredentials, type Session, signIn, storageAs } from './support/session';
import { runPrefix, send } from './support/storage';
import { e2eTarget, type TestUser } from './support/target';

const target = e2eTarget();
const admin = target.localSecrets?.adminCredentials;
const group = `design-${randomBytes(3).toString('hex')}`;
const prefix = runPrefix('groups');

describe.runIf(admin !== undefined)('team folders', () => {
  const idp = new CognitoIdentityProviderClient({
    region: target.region,
    endpoint: target.endpoints.cognitoIdp,
    ...(admin ? { credentials: admin } : {}),
  });
  const membership = (user: TestUser, add: boolean) =>
    idp.send(
      add
        ? new AdminAddUserToGroupCommand({
            UserPoolId: target.userPoolId,
            Username: user.username,
            GroupName: group,
          })
        : new AdminRemoveUserFromGroupCommand({
            UserPoolId: target.userPoolId,
            Username: user.username,
            GroupName: group,
          }),
    );
  let a: Session;
  let b: Session;
  let c: Session;
  let outsider: TestUser;

  beforeAll(async () => {
    outsider = await createFreshUser(target, 'groups-outsider');
    await idp.send(new CreateGroupCommand({ UserPoolId: target.userPoolId, GroupName: group }));
    await Promise.all(target.users.map((user) => membership(user, true)));
    [a, b, c] = (await Promise.all([...target.users, outsider].map((user) => signIn(target, user)))) as [
      Session,
      Session,
      Session,
    ];
  });

  afterAll(async () => {
    await idp.send(new DeleteGroupCommand({ UserPoolId: target.userPoolId, GroupName: group }));
    idp.destroy();
  });

  /** An administrator's per-group override on the group's ledger usage item (`npm run users -- group quota`). */
  async function setGroupQuotaBytes(team: string, bytes: number) {
    const ledger = target.localLedger;
    if (!ledger || !admin) throw new Error('a group quota override needs the local stack');
    const dynamo = new DynamoDBClient({
      region: target.region,
      endpoint: ledger.endpoint,
      credentials: admin,
    });
    try {
      await dynamo.send(
        new UpdateItemCommand({
          TableName: ledger.table,
          Key: { pk: { S: groupOwner(team) }, sk: { S: USAGE_SK } },
          UpdateExpression: 'SET quotaBytes = :bytes ADD version :one',
          ExpressionAttributeValues: { ':bytes': { N: String(bytes) }, ':one': { N: '1' } },
        }),
      );
    } finally {
      dynamo.destroy();
    }
  }

  async function put(user: Session, key: string, text: string) {
    const body = new TextEncoder().encode(text);
    return user.api
      .POST('/files/uploads', {
        body: { level: 'groups', group, key, contentType: 'text/plain', size: body.length },
      })
      .then(async (answer) => ({
        answer,
        stored: answer.data ? await send(answer.data, { body }) : undefined,
      }));
  }

  it('members write, overwrite and list the same folder', async () => {
    const key = `${prefix}plan.txt`;
    const first = await put(a, key, 'from a');
    expect(first.answer.data?.group).toBe(group);
    expect(first.stored?.status).toBe(200);
    expect((await put(b, key, 'from b')).stored?.status).toBe(200);
    const listed = await b.api.GET('/files', { params: { query: { level: 'groups', group, prefix } } });
    expect(listed.data?.items.map((item) => item.key)).toEqual([key]);
    const download = await a.api.POST('/files/downloads', { body: { level: 'groups', group, key } });
    expect(await (await fetch(download.data?.url ?? '')).text()).toBe('from b');
  });

  it("a non-member is refused at the API and by storage with the function's own session for them", async () => {
    const key = `${prefix}plan.txt`;
    const refused = await c.api.POST('/files/downloads', { body: { level: 'groups', group, key } });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ code: 'not_a_member' });
    const s3 = storageAs(target, await identityCredentials(target, c.idToken));
    const read = await s3
      .send(new GetObjectCommand({ Bucket: target.bucketName, Key: `groups/${group}/${key}` }))
      .then(
        () => 'allowed',
        (error: { name?: string }) => error.name,
      );
    const list = await s3
      .send(new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: `groups/${group}/` }))
      .then(
        () => 'allowed',
        (error: { name?: string }) => error.name,
      );
    const root = await s3
      .send(new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: 'groups/' }))
      .then(
        () => 'allowed',
        (error: { name?: string }) => error.name,
      );
    s3.destroy();
    expect([read, list, root]).toEqual(['AccessDenied', 'AccessDenied', 'AccessDenied']);
  });

  it("counts a group's usage in the group's partition, and its quota refuses what would not fit", async () => {
    // A group of its own, its quota set before any upload (an instance takes an owner it found
    // unlimited to stay so for a minute), and A's next token carrying it.
    const team = `quota-${randomBytes(3).toString('hex')}`;
    await idp.send(new CreateGroupCommand({ UserPoolId: target.userPoolId, GroupName: team }));
    await idp.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: target.userPoolId,
        Username: target.users[0].username,
        GroupName: team,
      }),
    );
    await setGroupQuotaBytes(team, 12);
    const member = await signIn(target, target.users[0]);
    const upload = (key: string, size: number) =>
      member.api.POST('/files/uploads', {
        body: { level: 'groups', group: team, key, contentType: 'text/plain', size },
      });
    const fits = await upload(`${prefix}twelve.txt`, 12);
    expect((await send(fits.data as never, { body: new TextEncoder().encode('twelve bytes') })).status).toBe(
      200,
    );
    let usage: { bytes: number } | undefined;
    for (let attempt = 0; attempt < 50 && (usage?.bytes ?? 0) < 12; attempt++) {
      usage = (await member.api.GET('/me')).data?.groups?.find((entry) => entry.name === team)?.usage;
      if ((usage?.bytes ?? 0) < 12) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(usage?.bytes).toBe(12);
    expect((await member.api.GET('/me')).data?.usage?.levels.groups).toBeUndefined();
    const refused = await upload(`${prefix}one-more.txt`, 1);
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ code: 'quota_exceeded' });
    await idp.send(new DeleteGroupCommand({ UserPoolId: target.userPoolId, GroupName: team }));
  });

  it('removing a member ends their access with their next token', async () => {
    await membership(target.users[1], false);
    const again = await signIn(target, target.users[1]);
    const refused = await again.api.GET('/files', { params: { query: { level: 'groups', group } } });
    expect(refused.response.status).toBe(403);
    const s3 = storageAs(target, await identityCredentials(target, again.idToken));
    const read = await s3
      .send(new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: `groups/${group}/` }))
      .then(
        () => 'allowed',
        (error: { name?: string }) => error.name,
      );
    s3.destroy();
    expect(read).toBe('AccessDenied');
    await membership(target.users[1], true);
  });
});
