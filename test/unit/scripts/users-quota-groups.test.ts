/**
 * `npm run users -- quota` and `group ...` against a deployed stack's outputs, with mocked clients
 * (no network): a username becomes an identity ID as the API function finds it (sealed: the
 * developer login `{userPoolId}:{sub}`; direct: the identity directory; never signed in: a clear
 * error), an override lands on that partition's usage item (or a group's `groups/{group}`) with
 * `version` bumped; group commands call the user pool's own APIs with validated names; bad usage is
 * refused before any call.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  AdminAddUserToGroupCommand,
  AdminGetUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  ListGroupsCommand,
  ListUsersInGroupCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runUsers, UsageError } from '../../../scripts/users';

const USER_POOL_ID = 'us-east-1_TestPool1';
const IDENTITY_POOL_ID = 'us-east-1:0b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11';
const SUB = '00000001-aaaa-4bbb-8ccc-000000000001';
const IDENTITY_ID = 'us-east-1:11111111-1111-4111-8111-111111111111';
const PROVIDER = 'user-files.Stack';

let dir: string;
const stubIdp = () => mockClient(CognitoIdentityProviderClient);
const stubIdentity = () => mockClient(CognitoIdentityClient);
const stubDynamo = () => mockClient(DynamoDBClient);
let idp: ReturnType<typeof stubIdp>;
let identity: ReturnType<typeof stubIdentity>;
let dynamo: ReturnType<typeof stubDynamo>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'user-files-users-quota-'));
  idp = stubIdp();
  identity = stubIdentity();
  dynamo = stubDynamo();
  idp.on(AdminGetUserCommand).resolves({ Username: 'carol', UserAttributes: [{ Name: 'sub', Value: SUB }] });
  identity
    .on(DescribeIdentityPoolCommand)
    .resolves({ IdentityPoolId: IDENTITY_POOL_ID, DeveloperProviderName: PROVIDER });
  identity
    .on(GetOpenIdTokenForDeveloperIdentityCommand)
    .resolves({ IdentityId: IDENTITY_ID, Token: 'never-printed-token' });
  dynamo.on(GetItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).callsFake((input: { Key?: unknown }) => ({
    Attributes: {
      ...(input.Key as object),
      bytes: { N: '30' },
      objects: { N: '2' },
      quotaBytes: { N: '500' },
      version: { N: '3' },
    },
  }));
});

afterEach(async () => {
  idp.restore();
  identity.restore();
  dynamo.restore();
  await rm(dir, { recursive: true, force: true });
});

async function users(args: string[], outputs: Record<string, string> = {}): Promise<string[]> {
  const file = join(dir, 'outputs.json');
  await writeFile(
    file,
    JSON.stringify({
      UserFiles: {
        Region: 'us-east-1',
        UserPoolId: USER_POOL_ID,
        IdentityPoolId: IDENTITY_POOL_ID,
        LedgerTable: 'ledger',
        AccessMode: 'sealed',
        ...outputs,
      },
    }),
  );
  const lines: string[] = [];
  await runUsers([...args, '--outputs', file], (line) => lines.push(line), {});
  return lines;
}

const update = () => dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;

describe('npm run users -- quota <username>', () => {
  it('sealed: finds the identity through the developer login, sets the override there and bumps version', async () => {
    const lines = await users(['quota', 'carol', '--bytes', '500']);
    expect(idp.commandCalls(AdminGetUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: USER_POOL_ID,
      Username: 'carol',
    });
    expect(identity.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand)[0]?.args[0].input).toMatchObject({
      IdentityPoolId: IDENTITY_POOL_ID,
      Logins: { [PROVIDER]: `${USER_POOL_ID}:${SUB}` },
    });
    expect(update()).toMatchObject({
      TableName: 'ledger',
      Key: { pk: { S: IDENTITY_ID }, sk: { S: 'usage' } },
      UpdateExpression: 'SET quotaBytes = :bytes ADD #version :one',
      ExpressionAttributeValues: { ':bytes': { N: '500' }, ':one': { N: '1' } },
    });
    expect(lines[0]).toBe(
      `carol (${IDENTITY_ID}): override bytes: 500, objects: as deployed; stored 30 bytes in 2 object(s)`,
    );
    expect(lines.join('\n')).not.toContain('never-printed-token');
  });

  it('direct: reads the identity directory; a user who never signed in is a clear error, and nothing is set', async () => {
    const direct = { AccessMode: 'direct', IdentityDirectoryTable: 'directory' };
    dynamo
      .on(GetItemCommand, { TableName: 'directory' })
      .resolves({ Item: { id: { S: `${USER_POOL_ID}#${SUB}` }, identityId: { S: IDENTITY_ID } } });
    await users(['quota', 'carol', '--objects', '7', '--bytes', '0'], direct);
    expect(dynamo.commandCalls(GetItemCommand)[0]?.args[0].input.Key).toEqual({
      id: { S: `${USER_POOL_ID}#${SUB}` },
    });
    expect(update()).toMatchObject({
      Key: { pk: { S: IDENTITY_ID } },
      UpdateExpression: 'SET quotaBytes = :bytes, quotaObjects = :objects ADD #version :one',
    });
    expect(identity.commandCalls(GetOpenIdTokenForDeveloperIdentityCommand)).toHaveLength(0);

    dynamo.on(GetItemCommand, { TableName: 'directory' }).resolves({});
    dynamo.resetHistory();
    await expect(users(['quota', 'carol', '--bytes', '5'], direct)).rejects.toThrow(
      /carol has not signed in yet: in direct mode/,
    );
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
    await expect(users(['quota', 'carol', '--bytes', '5'], { AccessMode: 'direct' })).rejects.toThrow(
      /--directory-table/,
    );
    dynamo
      .on(GetItemCommand, { TableName: 'named-by-hand' })
      .resolves({ Item: { identityId: { S: IDENTITY_ID } } });
    expect(
      await users(['quota', 'carol', '--directory-table', 'named-by-hand'], { AccessMode: 'direct' }),
    ).toHaveLength(1);
  });

  it('--clear removes both fields; no option only reads the item', async () => {
    await users(['quota', 'carol', '--clear']);
    expect(update()?.UpdateExpression).toBe('REMOVE quotaBytes, quotaObjects ADD #version :one');
    dynamo.on(GetItemCommand).resolves({ Item: { bytes: { N: '4' }, objects: { N: '1' } } });
    const lines = await users(['quota', 'carol']);
    expect(lines).toEqual([
      `carol (${IDENTITY_ID}): no override (the deployment's quota applies); stored 4 bytes in 1 object(s)`,
    ]);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });
});

describe('npm run users -- group', () => {
  it('creates, deletes, adds and removes members through the user pool with the names given', async () => {
    await users(['group', 'create', 'design']);
    await users(['group', 'add', 'design', 'carol']);
    await users(['group', 'remove', 'design', 'carol']);
    await users(['group', 'delete', 'design']);
    const group = { UserPoolId: USER_POOL_ID, GroupName: 'design' };
    expect(idp.commandCalls(CreateGroupCommand)[0]?.args[0].input).toEqual(group);
    expect(idp.commandCalls(AdminAddUserToGroupCommand)[0]?.args[0].input).toEqual({
      ...group,
      Username: 'carol',
    });
    expect(idp.commandCalls(AdminRemoveUserFromGroupCommand)[0]?.args[0].input).toEqual({
      ...group,
      Username: 'carol',
    });
    expect(idp.commandCalls(DeleteGroupCommand)[0]?.args[0].input).toEqual(group);
  });

  it('lists groups and members across pages', async () => {
    idp
      .on(ListGroupsCommand)
      .resolvesOnce({ Groups: [{ GroupName: 'design' }], NextToken: 't' })
      .resolves({ Groups: [{ GroupName: 'ops', Description: 'on call' }] });
    idp.on(ListUsersInGroupCommand).resolves({
      Users: [
        {
          Username: 'u1',
          UserStatus: 'CONFIRMED',
          Attributes: [{ Name: 'email', Value: 'carol@example.com' }],
        },
      ],
    });
    expect(await users(['group', 'list'])).toEqual([
      'design',
      'ops  on call',
      `2 group(s) in ${USER_POOL_ID}`,
    ]);
    expect(idp.commandCalls(ListGroupsCommand)[1]?.args[0].input.NextToken).toBe('t');
    const members = await users(['group', 'members', 'design']);
    expect(members[0]).toMatch(/^carol@example\.com\s+CONFIRMED\s+enabled$/);
    expect(members.at(-1)).toBe('1 member(s) of design');
  });

  it('group quota sets the override of the group’s partition, only for a group the pool has', async () => {
    idp.on(GetGroupCommand).resolves({ Group: { GroupName: 'design' } });
    const lines = await users(['group', 'quota', 'design', '--bytes', '500']);
    expect(update()).toMatchObject({ Key: { pk: { S: 'groups/design' }, sk: { S: 'usage' } } });
    expect(lines[0]).toMatch(/^group design \(groups\/design\): override bytes: 500/);
    idp
      .on(GetGroupCommand)
      .rejects(new ResourceNotFoundException({ message: 'Group not found.', $metadata: {} }));
    dynamo.resetHistory();
    await expect(users(['group', 'quota', 'desing', '--bytes', '1'])).rejects.toThrow(
      `${USER_POOL_ID} has no group desing: create it with npm run users -- group create desing`,
    );
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });
});

describe('bad usage is refused before any call', () => {
  it.each([
    [['group', 'add', 'bad name', 'carol'], /"bad name" must be a group name/],
    [['group', 'create', 'groups/../x'], /must be a group name/],
    [['group', 'add', 'design'], /group add takes group add <group> <username>/],
    [['group', 'frobnicate'], /unknown command group frobnicate/],
    [['quota'], /quota takes quota <username>/],
    [['quota', 'carol', '--bytes=-1'], /--bytes must be a whole number/],
    [['quota', 'carol', '--bytes', '12.5'], /--bytes must be a whole number/],
    [['quota', 'carol', '--objects', '1e3'], /--objects must be a whole number/],
    [['quota', 'carol', '--clear', '--bytes', '1'], /--clear removes both limits/],
    [['group', 'list', '--bytes', '1'], /are for quota commands/],
    [['group', 'quota', 'design', '--directory-table', 'x'], /--directory-table is for quota <username>/],
  ])('%j', async (args, message) => {
    await expect(users(args)).rejects.toThrow(UsageError);
    await expect(users(args)).rejects.toThrow(message);
    expect(idp.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
