/**
 * fast-check arbitraries for hostile input: strings with every kind of Unicode and path trick,
 * values of every JSON type, and the shapes of each route's query and body, valid and not.
 */
import fc from 'fast-check';
import { encodeCursor } from '../../../shared/domain/cursor';
import { alice, bob } from '../../unit/support/fixtures';

export const LEVEL_VALUES = ['private', 'protected', 'public'] as const;

/** The IAM policy variable that scopes every folder, as a literal: it must stay a literal. */
const POLICY_VARIABLE = ['$', '{cognito-identity.amazonaws.com:sub}'].join('');

/** Single characters and short runs that have broken path handling somewhere. */
const TRICKS = [
  // Path structure and encodings of it.
  '/',
  '//',
  '.',
  '..',
  '../',
  './',
  '/..',
  '\\',
  '..\\',
  '%2e%2e',
  '%2e%2e%2f',
  '%2F',
  '%5c',
  '%00',
  '%',
  '%%32%65',
  '\uff0e\uff0e',
  '\u2215',
  '\u2044',
  '\u29f8',
  // Controls, invisible and bidi characters.
  '\u0000',
  '\t',
  '\n',
  '\r\n',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200d',
  '\u2028',
  '\ufeff',
  '\u061c',
  '\u200e',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufffe',
  '\uffff',
  // Surrogates: lone and paired.
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  // Normalization: NFD, compatibility forms, case folding oddities.
  'e\u0301',
  '\u00e9',
  'A\u030a',
  '\u212b',
  '\ufb01',
  '\u0130',
  '\u1e9e',
  // Characters that mean something in URLs, headers, XML, JSON or globs.
  '?',
  '#',
  '&',
  '=',
  '+',
  ' ',
  '*',
  POLICY_VARIABLE,
  '<',
  '>',
  '"',
  "'",
  '`',
  ':',
  ';',
  ',',
  '~',
  // Other identities' folders.
  `private/${bob.identityId}/`,
  `${bob.identityId}/`,
  `../${bob.identityId}/`,
  `../../public/${bob.identityId}/`,
];

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** Any string, with a bias towards the ones that break things. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...TRICKS), fc.string({ maxLength: 3 })), { maxLength: 8 })
      .map((parts) => parts.join('')),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', '/', '.', '\\', '%'), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 900, max: 5000 }).map((length) => 'k'.repeat(length)) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 400 }).map((length) => '\u{1f600}'.repeat(length)) },
  { weight: 1, arbitrary: fc.constant('') },
);

/** A key that is often plausible and sometimes not. */
/**
 * Keys the rules accept but that are as strange as keys get: any Unicode (astral, noncharacters,
 * invisible joiners, percent signs, `%2e%2e`, `..` inside a name, glob and policy characters), only
 * NFC, without what the rules refuse, with non-empty segments that are not `.` or `..`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
const REFUSED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\\/]/gu;
const strangeSegment = fc
  .array(fc.oneof(fc.constantFrom(...TRICKS), fc.string({ unit: 'binary', maxLength: 4 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.join('').toWellFormed().normalize('NFC').replace(REFUSED, ''))
  .filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
export const strangeValidKey: fc.Arbitrary<string> = fc
  .array(strangeSegment, { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join('/'))
  .filter((key) => key.normalize('NFC') === key);

/** A key that is often strange but acceptable, often not acceptable, and sometimes plain. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: strangeValidKey },
  { weight: 3, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom('photos', 'a.txt', 'x', '..', '.', ''), hostileString), {
        minLength: 1,
        maxLength: 5,
      })
      .map((segments) => segments.join('/')),
  },
  { weight: 1, arbitrary: fc.constantFrom('report.pdf', 'folder/file.txt', 'é/ü.txt', 'a b/c+d.txt') },
);

/** Any JSON value (what a body field can hold), plus a few that JSON cannot hold. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, -0, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 2 ** 63),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Usually valid, often a near miss, sometimes anything. */
export const mostly = <T>(valid: fc.Arbitrary<T>, nearMiss: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 16, arbitrary: valid },
    { weight: 2, arbitrary: nearMiss },
    { weight: 1, arbitrary: anyJsonValue },
  );

export const level = mostly(
  fc.constantFrom(...LEVEL_VALUES),
  fc.constantFrom(
    'Private',
    'PUBLIC',
    'private ',
    ' private',
    'protected\u0000',
    'public/../private',
    '*',
    'privat',
    '',
  ),
);

const uuidOf = (identityId: string) => identityId.split(':')[1] ?? '';

export const owner = mostly(
  fc.constantFrom(bob.identityId, alice.identityId),
  fc.constantFrom(
    'us-east-1:*',
    `us-east-1:${uuidOf(bob.identityId).toUpperCase()}`,
    `${bob.identityId}/`,
    `${bob.identityId}/../${alice.identityId}`,
    `../${bob.identityId}`,
    `${bob.identityId}\n`,
    ` ${bob.identityId}`,
    `eu-west-1:${uuidOf(bob.identityId)}`,
    `us-east-1:${uuidOf(bob.identityId)}0`,
    POLICY_VARIABLE,
  ),
);

export const size = mostly(
  fc.integer({ min: 0, max: 1_048_576 }),
  fc.oneof(
    fc.integer({ min: -1e9, max: 1e10 }),
    fc.double({ noNaN: true }),
    fc.constantFrom('100', '1e3', '0x10', ' 5', '', '-0'),
  ),
);

export const contentType = mostly(
  fc.constantFrom(
    'text/plain',
    'image/jpeg',
    'application/octet-stream',
    'text/html; charset=utf-8',
    'a/b; x="q \\" q"',
  ),
  fc.oneof(
    fc.constantFrom(
      'text/plain\r\nX-Evil: 1',
      '*/*',
      'text',
      'text/',
      '/plain',
      'text/plain;',
      'x'.repeat(300),
    ),
    hostileString,
  ),
);

export const sha256 = mostly(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  fc.oneof(
    fc.uint8Array({ minLength: 31, maxLength: 33 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
    hostileString,
  ),
);

export const cursor = fc.oneof(
  // Garbage in and out of the base64url alphabet.
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  // JSON that looks like ours, with forged or missing digests.
  fc
    .record({ v: fc.oneof(fc.constant(1), anyJsonValue), t: anyJsonValue, d: anyJsonValue })
    .map((payload) => Buffer.from(JSON.stringify(payload)).toString('base64url')),
  // Cursors issued for another folder: another owner, level or prefix.
  fc
    .record({
      token: fc.string({ minLength: 1, maxLength: 40 }),
      level: fc.constantFrom(...LEVEL_VALUES),
      owner: fc.constantFrom(alice.identityId, bob.identityId),
      prefix: fc.constantFrom('', 'photos/', 'x'),
    })
    .map(({ token, ...scope }) => encodeCursor(token, scope)),
  fc.integer({ min: 4000, max: 9000 }).map((length) => 'A'.repeat(length)),
  hostileString,
);

const ABSENT = Symbol('absent');

/**
 * A record of the route's fields, each present with a bias (required ones nearly always, optional
 * ones half the time), plus unknown fields now and then.
 */
export function fields(
  shape: Record<string, fc.Arbitrary<unknown>>,
  optional: readonly string[] = [],
): fc.Arbitrary<Record<string, unknown>> {
  const maybe = Object.fromEntries(
    Object.entries(shape).map(([name, value]) => [
      name,
      fc.option(value, { nil: ABSENT, freq: optional.includes(name) ? 2 : 12 }),
    ]),
  );
  return fc
    .tuple(
      fc.record(maybe),
      fc.dictionary(
        fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'Level', 'key ', 'bucket', 'Key'),
          hostileString,
        ),
        anyJsonValue,
        { maxKeys: 2 },
      ),
      fc.nat(9),
    )
    .map(([drawn, extra, dice]) => {
      const known = Object.fromEntries(Object.entries(drawn).filter(([, value]) => value !== ABSENT));
      return dice === 0 ? { ...extra, ...known } : known;
    });
}

/** Raw bodies that are not a JSON object of the route's fields at all. */
export const rawBody: fc.Arbitrary<{ body: string | null; isBase64Encoded?: boolean }> = fc.oneof(
  fc
    .constantFrom(
      '',
      'not json',
      '[]',
      '[{"level":"private"}]',
      'null',
      'true',
      '"private"',
      '123',
      '1e400',
      '{',
      '{"level":',
      '{"level":"private","level":"public"}',
      '{"__proto__":{"level":"private"},"key":"a"}',
      '{"size":1e400,"level":"private","key":"a","contentType":"text/plain"}',
      '\ufeff{"level":"private"}',
    )
    .map((body) => ({ body })),
  fc.constant({ body: null }),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => ({ body: '['.repeat(depth) + ']'.repeat(depth) })),
  fc.integer({ min: 16_000, max: 40_000 }).map((length) => ({ body: `{"key":"${'a'.repeat(length)}"}` })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((body) => ({ body })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({
    body: Buffer.from(bytes).toString('base64'),
    isBase64Encoded: true,
  })),
);

/** Authorization headers for the same caller's token, in every odd form. */
export function authorizationHeaders(token: string): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant({ Authorization: `Bearer ${token}` }) },
    fc.constantFrom(
      { Authorization: `Bearer ${token}` },
      { authorization: `bearer ${token}` },
      { AUTHORIZATION: `BEARER    ${token}` },
      { Authorization: token },
      { Authorization: ` Bearer ${token} ` },
      { Authorization: `Bearer ${token}, Bearer ${token}` },
      { Authorization: `Bearer ${token}`, authorization: 'Bearer not-a-jwt' },
      { Authorization: `Basic ${token}` },
      { Authorization: 'Bearer' },
      { Authorization: '' },
      { Authorization: `Bearer ${token}\u0000` },
      { Authorization: `Bearer ${token}.extra` },
    ),
    hostileString.map((value) => ({ Authorization: value })),
  );
}
