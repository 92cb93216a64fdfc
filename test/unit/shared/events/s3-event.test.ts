import { describe, expect, it } from 'vitest';
import { MalformedEventError, ownerOf, parseNotification } from '../../../../shared/events/s3-event';

const OWNER = 'us-east-1:11111111-2222-3333-4444-555555555555';
const record = (key: string, eventName = 'ObjectCreated:Put', bucket = 'files') => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'us-east-1',
  eventTime: '2026-01-01T00:00:00.000Z',
  eventName,
  s3: {
    s3SchemaVersion: '1.0',
    bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
    object: {
      key,
      sequencer: '0055AED6DCD90281E5',
      ...(eventName.startsWith('ObjectCreated') ? { size: 12, eTag: 'abc' } : {}),
    },
  },
});

describe('parseNotification', () => {
  it('decodes form-encoded keys and finds owner and level', () => {
    const body = JSON.stringify({ Records: [record(`protected/${OWNER.replace(':', '%3A')}/a+b%2Bc.txt`)] });
    expect(parseNotification(body, 'files')).toEqual([
      expect.objectContaining({
        kind: 'created',
        key: `protected/${OWNER}/a b+c.txt`,
        owner: OWNER,
        level: 'protected',
        size: 12,
      }),
    ]);
  });

  it('a share names its owner, grantee and path; a share without a grantee identity is skipped', () => {
    const GRANTEE = 'eu-west-1:99999999-8888-7777-6666-555555555555';
    const body = JSON.stringify({
      Records: [
        record(`shared/${OWNER}/${GRANTEE}/docs/a.txt`),
        record(`shared/${OWNER}/not-an-identity/a.txt`),
        record(`shared/${OWNER}/${GRANTEE}/`),
        record(`shared/${OWNER}/a.txt`),
      ],
    });
    expect(parseNotification(body, 'files')).toEqual([
      expect.objectContaining({ level: 'shared', owner: OWNER, grantee: GRANTEE, path: 'docs/a.txt' }),
    ]);
  });

  it('a delete has size 0; other buckets, foreign keys and the test event are skipped', () => {
    const body = JSON.stringify({
      Records: [
        record(`private/${OWNER}/x`, 'ObjectRemoved:Delete'),
        record(`private/${OWNER}/x`, 'ObjectCreated:Put', 'other'),
        record('quarantine/x'),
        record(`private/not-an-identity/x`),
      ],
    });
    expect(parseNotification(body, 'files')).toEqual([expect.objectContaining({ kind: 'deleted', size: 0 })]);
    expect(parseNotification(JSON.stringify({ Event: 's3:TestEvent' }), 'files')).toEqual([]);
  });

  it.each([
    ['not json', '{'],
    ['not a notification', '{"foo":1}'],
    [
      'a bad sequencer',
      JSON.stringify({
        Records: [
          {
            ...record(`private/${OWNER}/x`),
            s3: { bucket: { name: 'files' }, object: { key: 'k', size: 1, sequencer: 'xyz' } },
          },
        ],
      }),
    ],
  ])('refuses %s', (_, body) => {
    expect(() => parseNotification(body, 'files')).toThrow(MalformedEventError);
  });
});

describe('ownerOf', () => {
  it("a team folder's key is owned by the group's partition, groups/{group}", () => {
    expect(ownerOf('groups/design/a/b.txt')).toEqual({
      level: 'groups',
      owner: 'groups/design',
      group: 'design',
      path: 'a/b.txt',
    });
    expect(ownerOf('groups/Team_1.x-y/f')).toMatchObject({ owner: 'groups/Team_1.x-y', group: 'Team_1.x-y' });
  });

  it.each([
    ['an identity ID where a group goes', `groups/${OWNER}/a.txt`],
    ['a name that is no group name', 'groups/bad name/a.txt'],
    ['a name starting with a dot', 'groups/.design/a.txt'],
    ['a name over 64 characters', `groups/${'g'.repeat(65)}/a.txt`],
    ['a folder marker without a path', 'groups/design/'],
    ['the folder itself', 'groups/design'],
    ['a group name in a user level', 'private/design/a.txt'],
    ['an unknown level', `quarantine/${OWNER}/a.txt`],
  ])('%s is outside every folder', (_, key) => {
    expect(ownerOf(key)).toBeUndefined();
  });

  it("a user's key is owned by their identity, with no group", () => {
    expect(ownerOf(`public/${OWNER}/x/y`)).toEqual({ level: 'public', owner: OWNER, path: 'x/y' });
  });
});

describe('parseNotification of a team folder', () => {
  it('names the group and its partition, and never a grantee', () => {
    const body = JSON.stringify({
      Records: [
        record('groups/design/plans/q1+draft%2B.pdf'),
        record('groups/design/x', 'ObjectRemoved:Delete'),
      ],
    });
    const [created, deleted] = parseNotification(body, 'files');
    expect(created).toEqual(
      expect.objectContaining({
        kind: 'created',
        key: 'groups/design/plans/q1 draft+.pdf',
        owner: 'groups/design',
        level: 'groups',
        group: 'design',
        path: 'plans/q1 draft+.pdf',
        size: 12,
      }),
    );
    expect(created).not.toHaveProperty('grantee');
    expect(deleted).toMatchObject({ kind: 'deleted', owner: 'groups/design', group: 'design', size: 0 });
  });
});
