/**
 * Group members by username (sealed mode: only a sealed session carries groups): the demo users,
 * both in the stack's demo group, see each other; a user outside it is refused 403 whether or not
 * the group exists.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createFreshUser } from './support/fresh-user';
import { type Session, signIn } from './support/session';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const group = target.localGroup;

describe.runIf(group !== undefined && target.localSecrets !== undefined)(
  'GET /groups/{group}/members',
  () => {
    const demoGroup = group ?? '';
    let member: Session;
    let other: Session;
    let outsider: Session;

    beforeAll(async () => {
      const stranger = await createFreshUser(target, 'members-outsider');
      [member, other, outsider] = (await Promise.all(
        [...target.users, stranger].map((user) => signIn(target, user)),
      )) as [Session, Session, Session];
    });

    it("a member gets the group's usernames, their own and the other demo user's among them", async () => {
      const page = await member.api.GET('/groups/{group}/members', {
        params: { path: { group: demoGroup } },
      });
      expect(page.response.status).toBe(200);
      const usernames = await Promise.all(
        [member, other].map(async (session) => (await session.api.GET('/me')).data?.username),
      );
      expect(page.data?.group).toBe(demoGroup);
      expect(page.data?.members.map((m) => m.username)).toEqual(expect.arrayContaining(usernames));
      // The usernames are the people GET /users answers for.
      const looked = await member.api.GET('/users/{username}', {
        params: { path: { username: usernames[1] ?? '' } },
      });
      expect(looked.data?.identityId).toBe(other.identityId);
    });

    it.each([
      ['the demo group', () => demoGroup],
      ['a group that does not exist', () => 'no-such-team'],
    ])('an outsider asking for %s: 403 not_a_member', async (_, name) => {
      const refused = await outsider.api.GET('/groups/{group}/members', {
        params: { path: { group: name() } },
      });
      expect(refused.response.status).toBe(403);
      expect(refused.error).toMatchObject({ code: 'not_a_member' });
    });

    it('a name that is no group name: 400 naming group', async () => {
      const bad = await member.api.GET('/groups/{group}/members', {
        params: { path: { group: 'no such group' } },
      });
      expect(bad.response.status).toBe(400);
      expect(bad.error).toMatchObject({ field: 'group' });
    });
  },
);
