/**
 * The key rules as tables: every bad key is refused with a ValidationError naming
 * the input field, every good key maps to `{level}/{owner}/{key}`, and the 1,024-byte S3 limit is
 * counted in UTF-8 bytes, not in characters.
 */
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../../../shared/domain/errors';
import {
  isIdentityId,
  keyIn,
  LEVELS,
  type Level,
  listedFolder,
  listedKey,
  listedKeyIn,
  listPrefixIn,
  MAX_S3_KEY_BYTES,
  OWNER_LEVELS,
  ownerPrefix,
  resolveFolder,
  resolveOwner,
  toListPrefix,
  toObjectKey,
} from '../../../../shared/domain/keys';

const A = 'us-east-1:1b7c9d2e-3f40-4a51-9b62-7c83d94ea5f6';
const B = 'eu-west-2:8e2f0a1b-6c3d-4e5f-a071-b2c3d4e5f607';

/** Asserts that `fn` throws a ValidationError naming `field`. */
function expectRefused(fn: () => unknown, field: string): void {
  expect(fn).toThrow(ValidationError);
  expect(fn).toThrow(expect.objectContaining({ field }));
}

/** A key made of `€` (3 UTF-8 bytes) and ASCII padding so the full S3 key is exactly `bytes` long. */
function keyOfFullLength(level: Level, bytes: number): string {
  const room = bytes - Buffer.byteLength(ownerPrefix(level, A));
  const key = '€'.repeat(Math.floor(room / 3)) + 'a'.repeat(room % 3);
  expect(Buffer.byteLength(ownerPrefix(level, A) + key)).toBe(bytes);
  return key;
}

const BAD_KEYS: readonly [string, unknown][] = [
  ['empty', ''],
  ['not a string (number)', 42],
  ['not a string (undefined)', undefined],
  ['not a string (null)', null],
  ['"." alone', '.'],
  ['".." alone', '..'],
  ['".." segment', 'docs/../secret'],
  ['"." segment', 'docs/./secret'],
  ['trailing ".."', 'docs/..'],
  ['leading ".." climbing out of the folder', `../${B}/x`],
  ['empty segment "//"', 'docs//x'],
  ['leading "/"', '/docs/x'],
  ['only "/"', '/'],
  ['trailing "/"', 'docs/'],
  ['NUL', 'a\u0000b'],
  ['line feed', 'a\nb'],
  ['carriage return', 'a\rb'],
  ['tab', 'a\tb'],
  ['escape', '\u001b[31mred'],
  ['unit separator (last C0)', 'a\u001fb'],
  ['DEL', 'a\u007fb'],
  ['C1: NEL', 'a\u0085b'],
  ['C1: first (U+0080)', 'a\u0080b'],
  ['C1: last (U+009F)', 'a\u009fb'],
  ['bidi: right-to-left override', 'invoice\u202efdp.exe'],
  ['bidi: left-to-right embedding', 'a\u202ab'],
  ['bidi: pop directional formatting', 'a\u202cb'],
  ['bidi: first strong isolate', 'a\u2068b'],
  ['bidi: pop directional isolate', 'a\u2069b'],
  ['backslash', 'a\\b'],
  ['backslash traversal', '..\\..\\x'],
  ['non-NFC: e + combining acute', 'caf\u0065\u0301.txt'],
  ['non-NFC: Hangul jamo', '\u1100\u1161'],
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate', '\udc00'],
  ['surrogates in the wrong order', '\ude00\ud83d'],
];

const GOOD_KEYS: readonly [string, string][] = [
  ['one character', 'a'],
  ['file name', 'report.pdf'],
  ['nested folders', 'docs/2024/q1/report.pdf'],
  ['spaces inside, leading and trailing', ' my file (1) .txt '],
  ['emoji', '😀/🎉 party.png'],
  ['CJK', '東京/写真.jpg'],
  ['Arabic (no override characters)', 'مستند.txt'],
  ['NFC precomposed é', 'caf\u00e9.txt'],
  ['dots inside names', 'a..b/.hidden/...'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal IAM variable in a key, on purpose.
  ['IAM wildcard and variable characters', 'a*b?c/${x}'],
  ['URL-special characters', "#%&+=;,@!$'()[]{}~"],
  ['colon', 'c:/x'],
];

describe('toObjectKey', () => {
  test.each(BAD_KEYS)('refuses %s, naming the field', (_name, key) => {
    for (const level of LEVELS) {
      expectRefused(() => toObjectKey(level, A, key), 'key');
    }
    expectRefused(() => toObjectKey('public', A, key, 'sourceKey'), 'sourceKey');
  });

  test.each(GOOD_KEYS)('maps %s to {level}/{owner}/{key}', (_name, key) => {
    for (const level of LEVELS) {
      expect(toObjectKey(level, A, key)).toBe(`${level}/${A}/${key}`);
    }
  });

  test.each(LEVELS)('in %s, a full key of exactly 1,024 UTF-8 bytes is accepted', (level) => {
    const key = keyOfFullLength(level, MAX_S3_KEY_BYTES);
    expect(toObjectKey(level, A, key)).toBe(`${level}/${A}/${key}`);
  });

  test.each(LEVELS)('in %s, a full key of 1,025 UTF-8 bytes is refused', (level) => {
    const key = keyOfFullLength(level, MAX_S3_KEY_BYTES + 1);
    expectRefused(() => toObjectKey(level, A, key), 'key');
  });

  test('the limit counts bytes, not characters: 4-byte emoji', () => {
    const room = MAX_S3_KEY_BYTES - Buffer.byteLength(ownerPrefix('private', A));
    const fits = `${'😀'.repeat(Math.floor(room / 4))}${'a'.repeat(room % 4)}`;
    expect(toObjectKey('private', A, fits)).toHaveLength(ownerPrefix('private', A).length + fits.length);
    // One more emoji: far fewer than 1,024 UTF-16 units, but over 1,024 bytes.
    const over = `😀${fits}`;
    expect(`private/${A}/${over}`.length).toBeLessThan(MAX_S3_KEY_BYTES);
    expectRefused(() => toObjectKey('private', A, over), 'key');
  });
});

describe('toListPrefix', () => {
  test.each([undefined, ''])('%j lists the whole owner folder', (prefix) => {
    for (const level of LEVELS) expect(toListPrefix(level, A, prefix)).toBe(`${level}/${A}/`);
  });

  test.each([
    ['a folder', 'docs/'],
    ['a nested folder', 'docs/2024/'],
    ['a partial name', 'rep'],
    ['a partial name in a folder', 'docs/rep'],
    ['unicode', '写真/😀'],
    ['spaces', 'my docs/'],
  ])('accepts %s', (_name, prefix) => {
    for (const level of LEVELS) expect(toListPrefix(level, A, prefix)).toBe(`${level}/${A}/${prefix}`);
  });

  test.each([
    ['not a string', 42],
    ['null', null],
    ['leading "/"', '/docs/'],
    ['only "/"', '/'],
    ['empty segment', 'docs//'],
    ['".." folder', '../'],
    ['".." inside', 'docs/../x'],
    ['"." folder', './'],
    ['NUL', 'a\u0000'],
    ['DEL', 'a\u007f'],
    ['C1', '\u0090'],
    ['bidi override', '\u202e'],
    ['backslash', 'docs\\'],
    ['non-NFC', 'e\u0301'],
    ['lone surrogate', '\ud800'],
  ])('refuses %s, naming the field', (_name, prefix) => {
    expectRefused(() => toListPrefix('protected', A, prefix), 'prefix');
    expectRefused(() => toListPrefix('protected', A, prefix, 'folder'), 'folder');
  });

  test('the byte limit applies: exactly 1,024 accepted, 1,025 refused', () => {
    expect(toListPrefix('public', A, keyOfFullLength('public', MAX_S3_KEY_BYTES))).toHaveLength(
      ownerPrefix('public', A).length + keyOfFullLength('public', MAX_S3_KEY_BYTES).length,
    );
    const over = keyOfFullLength('public', MAX_S3_KEY_BYTES + 1);
    expectRefused(() => toListPrefix('public', A, over), 'prefix');
  });
});

describe('resolveOwner', () => {
  test.each(OWNER_LEVELS)('in %s, no owner means the caller', (level) => {
    expect(resolveOwner(level, A, undefined)).toBe(A);
  });

  test.each(['protected', 'public'] as const)('in %s, a well-formed owner is taken', (level) => {
    expect(resolveOwner(level, A, B)).toBe(B);
    expect(resolveOwner(level, A, A)).toBe(A);
  });

  test.each([
    ['another identity', B],
    ['the caller itself', A],
    ['an empty string', ''],
  ])('in private, an owner is refused even when it is %s', (_name, owner) => {
    expectRefused(() => resolveOwner('private', A, owner), 'owner');
  });

  test.each([
    ['empty', ''],
    ['upper-case uuid', A.toUpperCase()],
    ['upper-case region only', `US-EAST-1:${A.split(':')[1]}`],
    ['no region', A.split(':')[1] as string],
    ['a path', `${B}/x`],
    ['traversal', '..'],
    ['a prefix wildcard', 'us-east-1:*'],
    ['trailing newline', `${B}\n`],
    ['too short uuid', 'us-east-1:1b7c9d2e-3f40-4a51-9b62-7c83d94ea5f'],
    ['user-pool sub instead of identity id', '1b7c9d2e-3f40-4a51-9b62-7c83d94ea5f6'],
  ])('in protected and public, a malformed owner (%s) is refused', (_name, owner) => {
    expect(isIdentityId(owner)).toBe(false);
    expectRefused(() => resolveOwner('protected', A, owner), 'owner');
    expectRefused(() => resolveOwner('public', A, owner), 'owner');
  });
});

/** Keys anyone can write straight to storage with their own credentials, around the API. */
const WRITTEN_AROUND_THE_API: readonly [string, string][] = [
  ['a traversal into another folder', `../../private/${B}/x`],
  ['a ".." segment inside', 'a/../b'],
  ['a "." segment', './a'],
  ['a right-to-left override (U+202E)', 'invoice\u202Efdp.exe'],
  ['an NFD name', 'cafe\u0301.txt'],
  ['a backslash', 'a\\b'],
  ['an empty segment ("//")', 'a//b'],
  ['a leading "/"', '/a'],
  ['a tab', 'a\tb'],
  ['a trailing "/" (a folder marker)', 'photos/'],
];

describe('listedKey', () => {
  test.each(GOOD_KEYS)('passes on %s', (_name, key) => {
    expect(listedKey('protected', B, toObjectKey('protected', B, key))).toBe(key);
  });

  test.each(WRITTEN_AROUND_THE_API)('leaves out %s', (_name, key) => {
    expect(() => toObjectKey('private', A, key)).toThrow(ValidationError);
    expect(listedKey('private', A, `private/${A}/${key}`)).toBeUndefined();
  });

  test('leaves out the folder itself and keys outside the requested folder', () => {
    expect(listedKey('private', A, `private/${A}/`)).toBeUndefined();
    expect(listedKey('private', A, `private/${B}/x`)).toBeUndefined();
    expect(listedKey('private', A, `public/${A}/x`)).toBeUndefined();
  });
});

describe('listedFolder', () => {
  test('passes on folders that satisfy the rules', () => {
    expect(listedFolder('private', A, `private/${A}/photos/`)).toBe('photos/');
    expect(listedFolder('private', A, `private/${A}/photos/2026/`)).toBe('photos/2026/');
  });

  test.each([
    ['an empty folder name ("//")', '/'],
    ['".."', '../'],
    ['a traversal', `../../private/${B}/`],
    ['a right-to-left override', '\u202Egpj/'],
    ['an NFD name', 'cafe\u0301/'],
    ['a backslash', 'a\\b/'],
    ['a tab', 'a\tb/'],
  ])('leaves out %s', (_name, folder) => {
    expect(listedFolder('private', A, `private/${A}/${folder}`)).toBeUndefined();
  });

  test('leaves out prefixes outside the requested folder or without the delimiter', () => {
    expect(listedFolder('private', A, `private/${B}/photos/`)).toBeUndefined();
    expect(listedFolder('private', A, `private/${A}/photos`)).toBeUndefined();
  });
});

describe('the shared level: shared/{owner}/{grantee}/{path}', () => {
  const C = 'us-west-2:3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';

  test('the owner addresses a share by grantee, the grantee by owner', () => {
    expect(resolveFolder('shared', A, { grantee: B })).toEqual({
      level: 'shared',
      owner: A,
      grantee: B,
      prefix: `shared/${A}/${B}/`,
    });
    expect(resolveFolder('shared', B, { owner: A }).prefix).toBe(`shared/${A}/${B}/`);
    expect(keyIn(resolveFolder('shared', A, { grantee: B }), 'docs/a.txt')).toBe(
      `shared/${A}/${B}/docs/a.txt`,
    );
  });

  test.each([
    ['neither owner nor grantee', {}, 'grantee'],
    ['both owner and grantee', { owner: B, grantee: C }, 'owner'],
    ['a grantee that is not an identity ID', { grantee: 'bob' }, 'grantee'],
    ['an owner that is not an identity ID', { owner: `${B}/x` }, 'owner'],
    ['the caller as grantee', { grantee: A }, 'grantee'],
    ['the caller as owner', { owner: A }, 'owner'],
  ])('%s is refused naming %s', (_name, selector, field) => {
    expectRefused(() => resolveFolder('shared', A, selector), field);
  });

  test('grantee is refused in the other levels', () => {
    for (const level of LEVELS) expectRefused(() => resolveFolder(level, A, { grantee: B }), 'grantee');
    expect(resolveFolder('protected', A, { owner: B }).prefix).toBe(`protected/${B}/`);
  });

  // IAM's `*` spans "/": `shared/*/${C}/*` would match such a key and let C read it.
  test.each([
    ['a third identity as a segment', `docs/${C}/a.txt`],
    ['the grantee itself as a segment', `${B}/a.txt`],
    ['an upper-cased identity', `${C.toUpperCase()}/a.txt`],
    ['an identity as the last segment', `docs/${C}`],
  ])('a key with %s is refused in shared, and allowed elsewhere', (_name, key) => {
    const folder = resolveFolder('shared', A, { grantee: B });
    expectRefused(() => keyIn(folder, key), 'key');
    expectRefused(() => listPrefixIn(folder, `${key}/`), 'prefix');
    expect(listedKeyIn(folder, folder.prefix + key)).toBeUndefined();
    expect(toObjectKey('private', A, key)).toBe(`private/${A}/${key}`);
  });

  test('segments merely containing an identity-like text are ordinary', () => {
    const folder = resolveFolder('shared', A, { grantee: B });
    expect(keyIn(folder, `docs/copy of ${C}/a.txt`)).toBe(`shared/${A}/${B}/docs/copy of ${C}/a.txt`);
    expect(keyIn(folder, `docs/${C}.txt`)).toBe(`shared/${A}/${B}/docs/${C}.txt`);
  });

  test('the 1,024-byte limit counts the whole shared key', () => {
    const folder = resolveFolder('shared', A, { grantee: B });
    const room = MAX_S3_KEY_BYTES - Buffer.byteLength(folder.prefix);
    expect(keyIn(folder, 'a'.repeat(room))).toHaveLength(MAX_S3_KEY_BYTES);
    expectRefused(() => keyIn(folder, 'a'.repeat(room + 1)), 'key');
  });
});
