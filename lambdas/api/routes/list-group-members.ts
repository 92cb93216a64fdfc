import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from '../../../shared/domain/cursor';
import { ValidationError } from '../../../shared/domain/errors';
import { GROUPS_LEVEL, groupFolderOf, groupName } from '../../../shared/domain/groups';
import { displayName } from '../../../shared/domain/usernames';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';

type GroupMembers = components['schemas']['GroupMembers'];

/** `ListUsersInGroup`'s largest page. */
const MEMBERS_PER_PAGE = 60;
/** The cursor's scope: no listing of the group's folder has this prefix (it is not a valid key path). */
const SCOPE_PREFIX = '/members';

const Query = z.strictObject({
  cursor: z.string().min(1, 'must not be empty').max(MAX_CURSOR_LENGTH, 'is too long').optional(),
});

/**
 * `GET /groups/{group}/members`: one page of the members of one of the caller's groups, from the
 * user pool's own membership. Members only: the groups the caller's session carries (their
 * verified `cognito:groups`) decide before the pool is asked, with the same 403s as the group's
 * folder. The cursor wraps the pool's `NextToken`, bound to the group.
 */
export function createListGroupMembersRoute({ config, identity, userPool }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const group = groupName(event.pathParameters?.group);
    const groups = identity.groupsOf(caller);
    if (groups === 'direct-mode') {
      throw ValidationError.of('group', 'groups need sealed mode: a direct-mode session carries no groups');
    }
    groupFolderOf({ group }, groups);

    // Bound to the group: a cursor of another group's members, or of a folder listing, is refused.
    const scope = { level: GROUPS_LEVEL, owner: group, prefix: SCOPE_PREFIX } as const;
    const next = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);
    const page = await userPool.membersOf(group, { limit: MEMBERS_PER_PAGE, ...(next ? { next } : {}) });

    const body: GroupMembers = {
      group,
      members: page.members.map((member) => ({ username: member.username, name: displayName(member) })),
      ...(page.next === undefined ? {} : { nextCursor: encodeCursor(page.next, scope) }),
    };
    return json(200, body);
  };
}
