/**
 * User-pool groups through the front door: the admin keys run every group operation, the function's
 * keys exactly its grants (`AdminGetUser` and `ListUsersInGroup`, on its own pool only), unsigned
 * callers nothing. ID tokens carry
 * `cognito:groups` from moto's own membership, read at every issue (sign-in and refresh), and never
 * from a client: the door refuses a `cognito:…` user attribute, which moto itself would store and
 * put in the token of an app client that reads it (shown by calling moto behind the door's back).
 */
import { randomBytes } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListUsersInGroupCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserPoolGateway, type UserPoolGateway } from '../../../local/cognito-idp/gateway';
import { createCredentialStore } from '../../../local/core/credential-store';
import { type MotoServer, startMoto } from '../../../local/moto/moto';
import {
  ADMIN_CREDENTIALS,
  createUser,
  createUserPool,
  decodeJwtPart,
  REGION,
  type TestUser,
  type UserPool,
} from '../support';

const FUNCTION_KEYS = {
  accessKeyId: `AKIAFUNC${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
};

let moto: MotoServer;
let door: UserPoolGateway;
let pool: UserPool;
let member: TestUser;
let outsider: TestUser;

const idpWith = (credentials?: AwsCredentialIdentity) =>
  new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: door.url,
    maxAttempts: 1,
    // No credentials: the SDK sends the public operations unsigned.
    ...(credentials ? { credentials } : { signer: { sign: async (request: unknown) => request } as never }),
  });

/** A client of moto itself, behind the door's back (only this process can reach its socket). */
const motoDirect = () =>
  new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: `http://cognito-idp.${REGION}.amazonaws.com`,
    credentials: ADMIN_CREDENTIALS,
    requestHandler: { httpAgent: moto.agent },
    maxAttempts: 1,
  });

async function asAdmin<T>(use: (idp: CognitoIdentityProviderClient) => Promise<T>): Promise<T> {
  const idp = idpWith(ADMIN_CREDENTIALS);
  try {
    return await use(idp);
  } finally {
    idp.destroy();
  }
}

/** USER_PASSWORD_AUTH through the door, unsigned as an app sends it: all three tokens. */
async function passwordAuth(user: TestUser, clientId = pool.clientId): Promise<AuthenticationResultType> {
  const idp = idpWith();
  try {
    const { AuthenticationResult } = await idp.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
      }),
    );
    if (!AuthenticationResult?.IdToken) throw new Error('sign-in returned no tokens');
    return AuthenticationResult;
  } finally {
    idp.destroy();
  }
}

async function refresh(refreshToken: string): Promise<AuthenticationResultType> {
  const idp = idpWith();
  try {
    const { AuthenticationResult } = await idp.send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    if (!AuthenticationResult?.IdToken) throw new Error('refresh returned no tokens');
    return AuthenticationResult;
  } finally {
    idp.destroy();
  }
}

const groupsOf = (token: string | undefined) => decodeJwtPart(token ?? '', 1)['cognito:groups'];

const membership = (command: 'add' | 'remove', user: TestUser, group: string) =>
  asAdmin((idp) =>
    idp.send(
      command === 'add'
        ? new AdminAddUserToGroupCommand({
            UserPoolId: pool.userPoolId,
            GroupName: group,
            Username: user.username,
          })
        : new AdminRemoveUserFromGroupCommand({
            UserPoolId: pool.userPoolId,
            GroupName: group,
            Username: user.username,
          }),
    ),
  );

beforeAll(async () => {
  moto = await startMoto();
  door = await startUserPoolGateway({
    moto,
    principals: { admin: ADMIN_CREDENTIALS, function: FUNCTION_KEYS, store: createCredentialStore() },
    region: REGION,
    functionUserPoolId: () => pool?.userPoolId,
  });
  pool = await createUserPool(door.url, 'user-files-groups');
  member = await createUser(door.url, pool, 'member');
  outsider = await createUser(door.url, pool, 'outsider');
  await asAdmin(async (idp) => {
    for (const GroupName of ['design', 'ops']) {
      await idp.send(new CreateGroupCommand({ UserPoolId: pool.userPoolId, GroupName }));
    }
  });
});

afterAll(async () => {
  await door?.close();
  await moto?.close();
});

/** Each group operation, on the test pool, as a command to send with any keys. */
const GROUP_OPERATIONS = {
  CreateGroup: () => new CreateGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'probe' }),
  DeleteGroup: () => new DeleteGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'ops' }),
  GetGroup: () => new GetGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'design' }),
  ListGroups: () => new ListGroupsCommand({ UserPoolId: pool.userPoolId }),
  AdminAddUserToGroup: () =>
    new AdminAddUserToGroupCommand({
      UserPoolId: pool.userPoolId,
      GroupName: 'design',
      Username: 'outsider',
    }),
  AdminRemoveUserFromGroup: () =>
    new AdminRemoveUserFromGroupCommand({
      UserPoolId: pool.userPoolId,
      GroupName: 'design',
      Username: 'member',
    }),
  AdminListGroupsForUser: () =>
    new AdminListGroupsForUserCommand({ UserPoolId: pool.userPoolId, Username: 'member' }),
  ListUsersInGroup: () => new ListUsersInGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'design' }),
};
type GroupOperation = keyof typeof GROUP_OPERATIONS;
const OPERATION_NAMES = Object.keys(GROUP_OPERATIONS) as GroupOperation[];
/** The SDK's commands share no send type; each is sent as what it is. */
const send = (idp: CognitoIdentityProviderClient, name: GroupOperation) =>
  idp.send(GROUP_OPERATIONS[name]() as GetGroupCommand);

describe('who may manage groups', () => {
  it('the admin keys run every group operation', async () => {
    await asAdmin(async (idp) => {
      await idp.send(new CreateGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'scratch' }));
      const got = await idp.send(new GetGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'scratch' }));
      expect(got.Group?.GroupName).toBe('scratch');
      const listed = await idp.send(new ListGroupsCommand({ UserPoolId: pool.userPoolId }));
      expect(listed.Groups?.map((group) => group.GroupName)).toEqual(
        expect.arrayContaining(['design', 'ops', 'scratch']),
      );
      await idp.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: pool.userPoolId,
          GroupName: 'scratch',
          Username: 'outsider',
        }),
      );
      const groups = await idp.send(
        new AdminListGroupsForUserCommand({ UserPoolId: pool.userPoolId, Username: 'outsider' }),
      );
      expect(groups.Groups?.map((group) => group.GroupName)).toEqual(['scratch']);
      const users = await idp.send(
        new ListUsersInGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'scratch' }),
      );
      expect(users.Users?.map((user) => user.Username)).toEqual(['outsider']);
      await idp.send(
        new AdminRemoveUserFromGroupCommand({
          UserPoolId: pool.userPoolId,
          GroupName: 'scratch',
          Username: 'outsider',
        }),
      );
      await idp.send(new DeleteGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'scratch' }));
      await expect(
        idp.send(new GetGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'scratch' })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });

  it("the function's keys are valid here (AdminGetUser on its own pool answers)", async () => {
    const idp = idpWith(FUNCTION_KEYS);
    try {
      const user = await idp.send(
        new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: 'member' }),
      );
      expect(user.Username).toBe('member');
    } finally {
      idp.destroy();
    }
  });

  it("the function's keys list its own pool's group members, and no other pool's", async () => {
    const other = await createUserPool(door.url, 'user-files-other');
    await asAdmin((idp) =>
      idp.send(new CreateGroupCommand({ UserPoolId: other.userPoolId, GroupName: 'design' })),
    );
    await membership('add', member, 'design');
    const idp = idpWith(FUNCTION_KEYS);
    try {
      const users = await idp.send(
        new ListUsersInGroupCommand({ UserPoolId: pool.userPoolId, GroupName: 'design' }),
      );
      expect(users.Users?.map((user) => user.Username)).toEqual(['member']);
      await expect(
        idp.send(new ListUsersInGroupCommand({ UserPoolId: other.userPoolId, GroupName: 'design' })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('cognito-idp:ListUsersInGroup'),
      });
      await expect(
        idp.send(new AdminGetUserCommand({ UserPoolId: other.userPoolId, Username: 'member' })),
      ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    } finally {
      idp.destroy();
      await membership('remove', member, 'design');
    }
  });

  const refusedToFunction = OPERATION_NAMES.filter((name) => name !== 'ListUsersInGroup');

  it.each(refusedToFunction)("%s with the function's keys: AccessDeniedException", async (name) => {
    const idp = idpWith(FUNCTION_KEYS);
    try {
      await expect(send(idp, name)).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(`cognito-idp:${name}`),
      });
    } finally {
      idp.destroy();
    }
  });

  it.each(OPERATION_NAMES)('%s unsigned: MissingAuthenticationTokenException', async (name) => {
    const response = await fetch(door.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${name}`,
      },
      body: JSON.stringify(GROUP_OPERATIONS[name]().input),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});

describe('cognito:groups in tokens', () => {
  it("a member's ID token (and access token) names the group; removed, the next has none", async () => {
    await membership('add', member, 'design');
    const signedIn = await passwordAuth(member);
    expect(groupsOf(signedIn.IdToken)).toEqual(['design']);
    expect(groupsOf(signedIn.AccessToken)).toEqual(['design']);
    await membership('remove', member, 'design');
    const after = await passwordAuth(member);
    expect(decodeJwtPart(after.IdToken ?? '', 1)).not.toHaveProperty('cognito:groups');
    expect(decodeJwtPart(after.AccessToken ?? '', 1)).not.toHaveProperty('cognito:groups');
  });

  it('a refresh reads the membership again: removed, then added back', async () => {
    await membership('add', member, 'design');
    const { RefreshToken } = await passwordAuth(member);
    await membership('remove', member, 'design');
    expect(decodeJwtPart((await refresh(RefreshToken ?? '')).IdToken ?? '', 1)).not.toHaveProperty(
      'cognito:groups',
    );
    await membership('add', member, 'design');
    expect(groupsOf((await refresh(RefreshToken ?? '')).IdToken)).toEqual(['design']);
    await membership('remove', member, 'design');
  });

  it('every group of a member, in one array; a user in none has no claim', async () => {
    await membership('add', member, 'design');
    await membership('add', member, 'ops');
    const groups = groupsOf((await passwordAuth(member)).IdToken);
    expect(Array.isArray(groups) ? [...groups].sort() : groups).toEqual(['design', 'ops']);
    expect(decodeJwtPart((await passwordAuth(outsider)).IdToken ?? '', 1)).not.toHaveProperty(
      'cognito:groups',
    );
    await membership('remove', member, 'design');
    await membership('remove', member, 'ops');
  });
});

describe('a client cannot name its own groups', () => {
  const REFUSED = { name: 'InvalidParameterException', message: expect.stringContaining('cognito:groups') };
  const claimed = [{ Name: 'cognito:groups', Value: 'design' }];

  it('SignUp, UpdateUserAttributes and AdminCreateUser with a cognito:groups attribute are refused', async () => {
    const anonymous = idpWith();
    try {
      await expect(
        anonymous.send(
          new SignUpCommand({
            ClientId: pool.clientId,
            Username: 'mallory',
            Password: 'Mallory-Passw0rd!',
            UserAttributes: claimed,
          }),
        ),
      ).rejects.toMatchObject(REFUSED);
      const { AccessToken } = await passwordAuth(outsider);
      await expect(
        anonymous.send(new UpdateUserAttributesCommand({ AccessToken, UserAttributes: claimed })),
      ).rejects.toMatchObject(REFUSED);
    } finally {
      anonymous.destroy();
    }
    await expect(
      asAdmin((idp) =>
        idp.send(
          new AdminCreateUserCommand({
            UserPoolId: pool.userPoolId,
            Username: 'mallory',
            MessageAction: 'SUPPRESS',
            UserAttributes: claimed,
          }),
        ),
      ),
    ).rejects.toMatchObject(REFUSED);
  });

  it('without the door, moto stores it and puts it in the token of a client that reads it', async () => {
    // What the refusal prevents: an app client reading that attribute, and a user who set it.
    const reader = await asAdmin((idp) =>
      idp.send(
        new CreateUserPoolClientCommand({
          UserPoolId: pool.userPoolId,
          ClientName: 'reads-everything',
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          ReadAttributes: ['cognito:groups'],
        }),
      ),
    );
    const readerId = reader.UserPoolClient?.ClientId ?? '';
    const { AccessToken } = await passwordAuth(outsider, readerId);
    const direct = motoDirect();
    try {
      await direct.send(new UpdateUserAttributesCommand({ AccessToken, UserAttributes: claimed }));
    } finally {
      direct.destroy();
    }
    expect(groupsOf((await passwordAuth(outsider, readerId)).IdToken)).toBe('design');
  });
});
