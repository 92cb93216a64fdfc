import { describe, expect, test } from 'vitest';
import { PayloadTooLargeError, ValidationError } from '../../../../shared/domain/errors';
import {
  checkUpload,
  describeRuleIssues,
  resolveUploadRules,
  UploadRulesSchema,
} from '../../../../shared/domain/upload-rules';

const rules = resolveUploadRules(
  UploadRulesSchema.parse({
    private: { maxUploadBytes: 1000, allowedContentTypes: ['image/*', 'Application/PDF'] },
    public: { allowedContentTypes: ['text/plain'] },
    groups: { maxUploadBytes: 2000, allowedContentTypes: ['Image/PNG'] },
  }),
  5000,
);

describe('resolveUploadRules', () => {
  test('fills each level from the default, lower-cases and de-duplicates the types', () => {
    expect(rules).toEqual({
      private: { maxUploadBytes: 1000, allowedContentTypes: ['image/*', 'application/pdf'] },
      protected: { maxUploadBytes: 5000 },
      public: { maxUploadBytes: 5000, allowedContentTypes: ['text/plain'] },
      groups: { maxUploadBytes: 2000, allowedContentTypes: ['image/png'] },
    });
    const duplicated = UploadRulesSchema.parse({ private: { allowedContentTypes: ['a/b', 'A/B'] } });
    expect(duplicated.private?.allowedContentTypes).toEqual(['a/b']);
  });

  test('without rules, every level gets the default size and any type', () => {
    expect(resolveUploadRules(undefined, 7)).toEqual({
      private: { maxUploadBytes: 7 },
      protected: { maxUploadBytes: 7 },
      public: { maxUploadBytes: 7 },
      groups: { maxUploadBytes: 7 },
    });
  });
});

describe('UploadRulesSchema', () => {
  test.each([
    ['a size of 0', { private: { maxUploadBytes: 0 } }, 'x.private.maxUploadBytes: must be at least 1'],
    ['a fractional size', { private: { maxUploadBytes: 1.5 } }, 'x.private.maxUploadBytes: must be a whole'],
    [
      'a size over 5 TiB',
      { public: { maxUploadBytes: 5 * 1024 ** 4 + 1 } },
      'x.public.maxUploadBytes: must be at most',
    ],
    ['a size as a string', { public: { maxUploadBytes: '10' } }, 'x.public.maxUploadBytes: must be a number'],
    [
      'an empty type list',
      { private: { allowedContentTypes: [] } },
      'x.private.allowedContentTypes: must list',
    ],
    [
      'a type with parameters',
      { private: { allowedContentTypes: ['text/plain; charset=utf-8'] } },
      'x.private.allowedContentTypes[0]: must be "type/subtype"',
    ],
    [
      '*/*',
      { private: { allowedContentTypes: ['image/png', '*/*'] } },
      'x.private.allowedContentTypes[1]: must name a type',
    ],
    ['a bare type', { protected: { allowedContentTypes: ['image'] } }, 'x.protected.allowedContentTypes[0]:'],
    [
      'a type that is not a string',
      { protected: { allowedContentTypes: [1] } },
      'x.protected.allowedContentTypes[0]: must be a string',
    ],
    ['an unknown level', { shared: {} }, 'x: '],
    ['an unknown rule', { private: { maxBytes: 1 } }, 'x.private: '],
  ])('refuses %s, naming where', (_name, input, message) => {
    const result = UploadRulesSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error && describeRuleIssues(result.error, 'x').join('; ')).toContain(message);
  });

  test('names an unknown key', () => {
    const result = UploadRulesSchema.safeParse({ shared: {} });
    expect(result.error && describeRuleIssues(result.error, 'uploadRules')).toEqual([
      expect.stringMatching(/^uploadRules: .*\(shared\)$/),
    ]);
  });
});

describe('checkUpload', () => {
  test.each([
    ['private', 'image/png', 1000],
    ['private', 'IMAGE/PNG', 0],
    ['private', 'image/jpeg; quality=high', 10],
    ['private', 'application/pdf', 1],
    ['protected', 'text/html', 5000],
    ['public', 'text/plain; charset=utf-8', 5000],
    ['public', 'Text/Plain', 1],
  ] as const)('accepts %s %s of %d bytes', (level, contentType, size) => {
    expect(() => checkUpload(rules, level, contentType, size)).not.toThrow();
  });

  test.each([
    ['private', 'text/plain', 'private', 'image/*, application/pdf'],
    ['private', 'imagex/png', 'private', 'image/*'],
    ['public', 'text/html', 'public', 'text/plain'],
    ['public', 'text/plain2', 'public', 'text/plain'],
  ] as const)(
    'refuses %s %s with 400 on contentType, listing what is accepted',
    (level, type, named, listed) => {
      const run = () => checkUpload(rules, level, type, 1);
      expect(run).toThrow(ValidationError);
      expect(run).toThrow(new RegExp(`^contentType: .*"${named}".*${listed.replace(/[*]/g, '\\*')}`));
    },
  );

  test.each([
    ['private', 1001, 'must be at most 1000 bytes in level "private"'],
    ['protected', 5001, 'must be at most 5000 bytes in level "protected"'],
    ['public', Number.MAX_SAFE_INTEGER, 'must be at most 5000 bytes in level "public"'],
  ] as const)('refuses %s uploads of %d bytes with 413 on size, giving the limit', (level, size, message) => {
    const run = () => checkUpload(rules, level, level === 'public' ? 'text/plain' : 'image/png', size);
    expect(run).toThrow(PayloadTooLargeError);
    expect(run).toThrow(`size: ${message}`);
    expect(run).toThrow(expect.objectContaining({ status: 413, code: 'payload_too_large', field: 'size' }));
  });
});
