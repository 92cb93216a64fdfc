/**
 * `npm run users -- group ...`: the user pool's groups, whose members share the team folder
 * `groups/{group}/`, through the pool's own APIs, and each group's quota override in the ledger
 * (its partition `groups/{group}`). Membership travels in the ID token's `cognito:groups` claim, so
 * a change reaches a member at their next sign-in or token refresh; a token issued before a removal
 * still carries the group until it expires.
 */
import {
  AdminAddUserToGroupCommand,
  AdminRemoveUserFromGroupCommand,
  CreateGroupCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  ListGroupsCommand,
  ListUsersInGroupCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { ValidationError } from '../shared/domain/errors';
import { groupName, groupOwner } from '../shared/domain/groups';
import { ownerQuota, type QuotaChange } from './users-quota';
import { describeUser, paged, UsageError, type UsersContext } from './users-stack';

/** A group name this deployment serves (a folder name, an IAM resource, a session tag value). */
function groupArgument(value: string): string {
  try {
    return groupName(value);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new UsageError(`${JSON.stringify(value)} ${error.issues[0]?.message ?? 'is not a group name'}`);
    }
    throw error;
  }
}

/** The pool's answer to a call naming `group`; a group it does not have is said plainly. */
async function inGroup<T>(context: UsersContext, group: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    // Cognito's message for a missing group is terse (moto's is the bare name).
    if (!(error instanceof ResourceNotFoundException)) throw error;
    throw new UsageError(
      `${context.target.userPoolId} has no group ${group}: create it with npm run users -- group create ${group}`,
    );
  }
}

export async function listGroups(context: UsersContext): Promise<void> {
  const { idp, target, print } = context;
  let count = 0;
  const groups = paged((token) =>
    idp
      .send(new ListGroupsCommand({ UserPoolId: target.userPoolId, NextToken: token }))
      .then((page) => ({ items: page.Groups, next: page.NextToken })),
  );
  for await (const group of groups) {
    print(`${group.GroupName ?? '?'}${group.Description ? `  ${group.Description}` : ''}`);
    count += 1;
  }
  print(`${count} group(s) in ${target.userPoolId}`);
}

export async function createGroup(context: UsersContext, group: string): Promise<void> {
  const GroupName = groupArgument(group);
  await context.idp.send(new CreateGroupCommand({ UserPoolId: context.target.userPoolId, GroupName }));
  context.print(
    `created group ${GroupName} in ${context.target.userPoolId}; its folder is groups/${GroupName}/`,
  );
}

export async function deleteGroup(context: UsersContext, group: string): Promise<void> {
  const GroupName = groupArgument(group);
  await inGroup(
    context,
    GroupName,
    context.idp.send(new DeleteGroupCommand({ UserPoolId: context.target.userPoolId, GroupName })),
  );
  context.print(`deleted group ${GroupName} from ${context.target.userPoolId}`);
  // The pool knows nothing of storage: the folder, its files and its ledger partition stay.
  context.print(`groups/${GroupName}/ and its files stay; a group created again with this name reaches them`);
}

export async function addMember(context: UsersContext, group: string, username: string): Promise<void> {
  const GroupName = groupArgument(group);
  await inGroup(
    context,
    GroupName,
    context.idp.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: context.target.userPoolId,
        GroupName,
        Username: username,
      }),
    ),
  );
  context.print(`added ${username} to ${GroupName}: from their next sign-in or token refresh`);
}

export async function removeMember(context: UsersContext, group: string, username: string): Promise<void> {
  const GroupName = groupArgument(group);
  await inGroup(
    context,
    GroupName,
    context.idp.send(
      new AdminRemoveUserFromGroupCommand({
        UserPoolId: context.target.userPoolId,
        GroupName,
        Username: username,
      }),
    ),
  );
  context.print(
    `removed ${username} from ${GroupName}: ID tokens issued before now carry it until they expire`,
  );
}

export async function listMembers(context: UsersContext, group: string): Promise<void> {
  const GroupName = groupArgument(group);
  const { idp, target, print } = context;
  let count = 0;
  const users = paged((token) =>
    inGroup(
      context,
      GroupName,
      idp.send(new ListUsersInGroupCommand({ UserPoolId: target.userPoolId, GroupName, NextToken: token })),
    ).then((page) => ({ items: page.Users, next: page.NextToken })),
  );
  for await (const user of users) {
    print(describeUser(user));
    count += 1;
  }
  print(`${count} member(s) of ${GroupName}`);
}

/** Shows or changes a group's override; the group must exist, so a typo sets nothing. */
export async function groupQuota(
  context: UsersContext,
  group: string,
  change: QuotaChange | undefined,
): Promise<void> {
  const GroupName = groupArgument(group);
  await inGroup(
    context,
    GroupName,
    context.idp.send(new GetGroupCommand({ UserPoolId: context.target.userPoolId, GroupName })),
  );
  await ownerQuota(context, groupOwner(GroupName), `group ${GroupName} (${groupOwner(GroupName)})`, change);
}
