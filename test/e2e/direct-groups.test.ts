/**
 * In direct mode a session cannot carry groups (users mint their own, and the identity pool's
 * attribute mapping cannot carry a list): the API answers a clear 400 naming `level` (`group` for
 * a group's members), and a user's own identity-pool credentials reach no group folder.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityCredentials, type Session, signIn, storageAs } from './support/session';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const group = target.localGroup ?? 'demo-team';
let user: Session;

beforeAll(async () => {
  user = await signIn(target, target.users[0]);
});

describe('groups in direct mode', () => {
  it('the API answers 400 naming level', async () => {
    const answer = await user.api.POST('/files/uploads', {
      body: {
        level: 'groups',
        group,
        key: `x-${randomBytes(3).toString('hex')}.txt`,
        contentType: 'text/plain',
        size: 1,
      },
    });
    expect(answer.response.status).toBe(400);
    expect(answer.error).toMatchObject({ field: 'level' });
  });

  it("the group's members: 400 naming group, as a direct-mode session carries no groups", async () => {
    const answer = await user.api.GET('/groups/{group}/members', { params: { path: { group } } });
    expect(answer.response.status).toBe(400);
    expect(answer.error).toMatchObject({ field: 'group' });
  });

  it("a member's own credentials reach no group folder", async () => {
    const s3 = storageAs(target, await identityCredentials(target, user.idToken));
    const outcome = (work: Promise<unknown>) =>
      work.then(
        () => 'allowed',
        (error: { name?: string }) => error.name,
      );
    const list = await outcome(
      s3.send(new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: `groups/${group}/` })),
    );
    const put = await outcome(
      s3.send(new PutObjectCommand({ Bucket: target.bucketName, Key: `groups/${group}/x.txt`, Body: 'x' })),
    );
    s3.destroy();
    expect([list, put]).toEqual(['AccessDenied', 'AccessDenied']);
  });
});
