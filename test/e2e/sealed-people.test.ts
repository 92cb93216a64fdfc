/**
 * Group members by name (sealed mode: only a sealed session carries groups): the demo users,
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

    it("a member gets the group's members, by the names they sign in with, both demo users among them", async () => {
      const page = await member.api.GET('/groups/{group}/members', {
        params: { path: { group: demoGroup } },
      });
      expect(page.response.status).toBe(200);
      const usernames = await Promise.all(
        [member, other].map(async (session) => (await session.api.GET('/me')).data?.username),
      );
      expect(page.data?.group).toBe(demoGroup);
      // Each member by the pool's username and, for people to read, the verified email they sign in with.
      expect(page.data?.members).toEqual(
        expect.arrayContaining([
          { username: usernames[0], name: member.username },
          { username: usernames[1], name: other.username },
        ]),
      );
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
