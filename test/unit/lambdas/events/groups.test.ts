/**
 * The events function on team folders (`groups/{group}/{path}`), over a ledger in memory with the
 * real rules and a bucket in memory: a group's object counts in the group's partition, is checked
 * against `uploadRules.groups` (size, type, first bytes) and the group quota (or the group's
 * override), and an offender is deleted with its rejection recorded in the GROUP's partition.
 */
import { describe, expect, it } from 'vitest';
import { groupOwner } from '../../../../shared/domain/groups';
import type { Quota } from '../../../../shared/domain/quota';
import type { UploadRulesInput } from '../../../../shared/domain/upload-rules';
import { SAMPLES } from '../../../support/content-samples';
import { eventsHarness, USER } from '../../support/events-harness';

const DESIGN = groupOwner('design');

/** Rejections listed per owner in the order recorded; `upload` stores an object and delivers its event. */
function setup(options: {
  rules?: UploadRulesInput;
  quota?: Quota;
  groupQuota?: Quota;
  overrides?: Record<string, Quota>;
}) {
  const { handler, rejectionsByOwner, ...harness } = eventsHarness(options);
  const upload = async (key: string, contentType: string, body: Uint8Array) => {
    expect((await handler(harness.put(key, contentType, body))).batchItemFailures).toEqual([]);
  };
  return { ...harness, rejections: rejectionsByOwner, upload };
}

const text = (size: number) => new Uint8Array(Buffer.alloc(size, 'a'));

describe('the events function on a team folder', () => {
  it('counts the object in the group’s partition', async () => {
    const { upload, memory, objects } = setup({});
    await upload('groups/design/notes/a.txt', 'text/plain', text(30));
    expect(objects.has('groups/design/notes/a.txt')).toBe(true);
    expect(memory.usageOf(DESIGN)).toMatchObject({
      bytes: 30,
      objects: 1,
      levels: { groups: { bytes: 30, objects: 1 } },
    });
    expect(memory.usage.has(USER)).toBe(false);
  });

  it('enforces the group quota, not the user quota: the object past it is removed, rejected in the group’s partition', async () => {
    const { upload, objects, memory, rejections } = setup({
      quota: { bytes: 10_000 },
      groupQuota: { bytes: 50 },
    });
    await upload('groups/design/a.txt', 'text/plain', text(40));
    await upload('groups/design/b.txt', 'text/plain', text(40));
    await upload(`private/${USER}/c.txt`, 'text/plain', text(80));
    expect(objects.has('groups/design/a.txt')).toBe(true);
    expect(objects.has('groups/design/b.txt')).toBe(false);
    expect(objects.has(`private/${USER}/c.txt`)).toBe(true);
    expect(rejections.get(DESIGN)).toEqual([
      {
        key: 'groups/design/b.txt',
        level: 'groups',
        reason: 'quota_exceeded',
        detail: '80 bytes stored, quota 50',
        at: '2026-12-01T00:00:00.000Z',
      },
    ]);
    expect(rejections.has(USER)).toBe(false);
    // The removal's own event (not delivered here) brings the usage back down; until then it counts.
    expect(memory.usageOf(DESIGN).bytes).toBe(80);
  });

  it('a group’s override replaces the group quota for that group only', async () => {
    const { upload, objects, rejections } = setup({
      groupQuota: { objects: 1 },
      overrides: { [DESIGN]: { objects: 5 } },
    });
    await upload('groups/design/a.txt', 'text/plain', text(1));
    await upload('groups/design/b.txt', 'text/plain', text(1));
    await upload('groups/ops/a.txt', 'text/plain', text(1));
    await upload('groups/ops/b.txt', 'text/plain', text(1));
    expect([...objects.keys()].sort()).toEqual([
      'groups/design/a.txt',
      'groups/design/b.txt',
      'groups/ops/a.txt',
    ]);
    expect(rejections.get(groupOwner('ops'))?.map((r) => r.reason)).toEqual(['quota_exceeded']);
    expect(rejections.has(DESIGN)).toBe(false);
  });

  it('applies uploadRules.groups (size, type, first bytes), not another level’s', async () => {
    const { upload, objects, rejections } = setup({
      rules: {
        private: { maxUploadBytes: 10 },
        groups: { maxUploadBytes: 100, allowedContentTypes: ['image/*', 'text/plain'] },
      },
    });
    await upload('groups/design/ok.png', 'image/png', SAMPLES['image/png']);
    await upload('groups/design/big.txt', 'text/plain', text(101));
    await upload('groups/design/page.html', 'text/html', SAMPLES['text/html']);
    await upload('groups/design/fake.png', 'image/png', SAMPLES['text/plain']);
    // 50 bytes: over the private rule, within the groups rule.
    await upload('groups/design/fine.txt', 'text/plain', text(50));
    expect([...objects.keys()].sort()).toEqual(['groups/design/fine.txt', 'groups/design/ok.png']);
    expect(rejections.get(DESIGN)?.map(({ key, level, reason }) => ({ key, level, reason }))).toEqual([
      { key: 'groups/design/big.txt', level: 'groups', reason: 'too_large' },
      { key: 'groups/design/page.html', level: 'groups', reason: 'type_not_allowed' },
      { key: 'groups/design/fake.png', level: 'groups', reason: 'content_mismatch' },
    ]);
    expect(rejections.get(DESIGN)?.[0]?.detail).toBe('101 bytes is over 100 in level "groups"');
  });

  it('a key under groups/ that is no team folder is left alone and counted nowhere', async () => {
    const { upload, objects, memory, rejections } = setup({ groupQuota: { objects: 0 } });
    await upload(`groups/${USER}/a.txt`, 'text/plain', text(5));
    await upload('groups/bad name/a.txt', 'text/plain', text(5));
    expect(objects.size).toBe(2);
    expect(memory.usage.size).toBe(0);
    expect(rejections.size).toBe(0);
  });
});
