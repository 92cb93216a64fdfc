import { describe, expect, it } from 'vitest';
import { MalformedEventError, parseNotification } from '../../../../shared/events/s3-event';

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
