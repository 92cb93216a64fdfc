import { describe, expect, it } from 'vitest';
import { resolveUploadRules } from '../../../../shared/domain/upload-rules';
import { checkStoredObject } from '../../../../shared/events/content-check';
import { SAMPLES } from '../../../support/content-samples';

const rules = resolveUploadRules(
  { public: { maxUploadBytes: 1000, allowedContentTypes: ['image/*'] } },
  1_000_000,
);
const check = (
  contentType: string | undefined,
  head: Uint8Array,
  level: 'private' | 'public' = 'private',
  size = head.length,
) => checkStoredObject(rules, { level, size, contentType, head });

describe('checkStoredObject', () => {
  it.each(Object.entries(SAMPLES))('accepts %s declared as itself', async (type, head) => {
    await expect(check(type, head)).resolves.toEqual({ ok: true });
  });

  it.each([
    ['image/jpeg', SAMPLES['image/png'], 'content is image/png'],
    ['image/png', SAMPLES['text/html'], 'not recognizable'],
    ['application/pdf', SAMPLES['application/zip'], 'content is application/zip'],
    ['video/mp4', SAMPLES['image/gif'], 'content is image/gif'],
    ['text/plain', SAMPLES['image/png'], 'content is image/png'],
    ['text/csv', SAMPLES['application/zip'], 'content is application/zip'],
    ['text/html', SAMPLES['application/pdf'], 'content is application/pdf'],
  ])('refuses %s whose bytes are something else', async (type, head, detail) => {
    const verdict = await check(type, head);
    expect(verdict).toMatchObject({ ok: false, reason: 'content_mismatch' });
    expect(verdict.ok ? '' : verdict.detail).toContain(detail);
  });

  it('accepts equivalent spellings (image/jpg, MOV as video/mp4) and unlabelled binary', async () => {
    await expect(check('image/jpg', SAMPLES['image/jpeg'])).resolves.toEqual({ ok: true });
    await expect(check('video/mp4', SAMPLES['video/quicktime'])).resolves.toEqual({ ok: true });
    await expect(check('application/octet-stream', SAMPLES['image/png'])).resolves.toEqual({ ok: true });
    await expect(check('text/plain; charset=utf-8', SAMPLES['text/plain'])).resolves.toEqual({ ok: true });
  });

  it("applies the level's size and type rules", async () => {
    await expect(check('image/png', SAMPLES['image/png'], 'public', 1001)).resolves.toMatchObject({
      ok: false,
      reason: 'too_large',
    });
    await expect(check('text/plain', SAMPLES['text/plain'], 'public')).resolves.toMatchObject({
      ok: false,
      reason: 'type_not_allowed',
    });
    await expect(check('not a type', SAMPLES['text/plain'])).resolves.toMatchObject({
      ok: false,
      reason: 'type_not_allowed',
    });
  });
});
