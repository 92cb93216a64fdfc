/**
 * `npm run users -- remove` against a deployed stack's outputs (mocked clients, no network): the
 * user is deleted, and so is their stored session when the outputs name a session table.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runUsers } from '../../../scripts/users';
import { fakeDynamo, SESSION_TABLE } from '../support/session-store-fakes';

const USER_POOL_ID = 'us-east-1_TestPool1';
const SUB = '00000001-aaaa-4bbb-8ccc-000000000001';
let dir: string;
let idp: AwsStub<ServiceInputTypes, ServiceOutputTypes, CognitoIdentityProviderClientResolvedConfig>;
let dynamo: ReturnType<typeof fakeDynamo>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'user-files-users-remove-'));
  idp = mockClient(CognitoIdentityProviderClient);
  idp.on(AdminGetUserCommand).resolves({ Username: 'carol', UserAttributes: [{ Name: 'sub', Value: SUB }] });
  idp.on(AdminDeleteUserCommand).resolves({});
  dynamo = fakeDynamo();
  dynamo.table().set(`${USER_POOL_ID}#${SUB}`, { id: { S: `${USER_POOL_ID}#${SUB}` } });
  dynamo.table().set(`${USER_POOL_ID}#someone-else`, { id: { S: `${USER_POOL_ID}#someone-else` } });
});

afterEach(async () => {
  idp.restore();
  dynamo.sdk.restore();
  await rm(dir, { recursive: true, force: true });
});

async function remove(outputs: Record<string, string>): Promise<string[]> {
  const file = join(dir, 'outputs.json');
  await writeFile(
    file,
    JSON.stringify({ UserFiles: { Region: 'us-east-1', UserPoolId: USER_POOL_ID, ...outputs } }),
  );
  const lines: string[] = [];
  await runUsers(['remove', 'carol', '--outputs', file], (line) => lines.push(line));
  return lines;
}

describe('npm run users -- remove', () => {
  it('deletes the user, then their stored session only, when the outputs name SessionTable', async () => {
    expect(await remove({ SessionTable: SESSION_TABLE })).toEqual([`removed carol from ${USER_POOL_ID}`]);
    expect(idp.commandCalls(AdminDeleteUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: USER_POOL_ID,
      Username: 'carol',
    });
    expect([...dynamo.table().keys()]).toEqual([`${USER_POOL_ID}#someone-else`]);
  });

  it('touches no table when the outputs name none', async () => {
    await remove({});
    expect(idp.commandCalls(AdminDeleteUserCommand)).toHaveLength(1);
    expect(dynamo.sdk.commandCalls(DeleteItemCommand)).toHaveLength(0);
  });
});
