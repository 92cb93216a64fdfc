import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type CursorScope, decodeCursor, encodeCursor } from '../../../../shared/domain/cursor';
import { ValidationError } from '../../../../shared/domain/errors';

const owner = 'us-east-1:0b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11';
const other = 'us-east-1:1b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11';
const scope: CursorScope = { level: 'protected', owner, prefix: 'photos/' };
const TOKEN = '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=';

function expectCursorError(run: () => unknown) {
  expect(run).toThrow(ValidationError);
  expect(run).toThrow(/^cursor: /);
}

describe('cursor', () => {
  test('round-trips the continuation token for the same folder', () => {
    const cursor = encodeCursor(TOKEN, scope);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, { ...scope })).toBe(TOKEN);
  });

  test('round-trips any token and scope', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.string({ maxLength: 50 }),
        (token, prefix) => {
          const anyScope: CursorScope = { level: 'public', owner, prefix };
          expect(decodeCursor(encodeCursor(token, anyScope), anyScope)).toBe(token);
        },
      ),
    );
  });

  test.each([
    ['another level', { ...scope, level: 'public' as const }],
    ['another owner', { ...scope, owner: other }],
    ['another prefix', { ...scope, prefix: 'docs/' }],
    ['no prefix', { ...scope, prefix: '' }],
  ])('is refused for %s', (_name, otherScope) => {
    expectCursorError(() => decodeCursor(encodeCursor(TOKEN, scope), otherScope));
  });

  test('is refused when the token inside is altered', () => {
    const payload = JSON.parse(Buffer.from(encodeCursor(TOKEN, scope), 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...payload, t: `${TOKEN}x` })).toString('base64url');
    expectCursorError(() => decodeCursor(forged, scope));
  });

  test('is refused after any single-character change', () => {
    const cursor = encodeCursor(TOKEN, scope);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.nat({ max: cursor.length - 1 }), fc.constantFrom(...alphabet), (index, character) => {
        fc.pre(cursor[index] !== character);
        const tampered = cursor.slice(0, index) + character + cursor.slice(index + 1);
        // base64url's last character may carry padding bits that decode to the same bytes.
        fc.pre(Buffer.from(tampered, 'base64url').toString() !== Buffer.from(cursor, 'base64url').toString());
        expectCursorError(() => decodeCursor(tampered, scope));
      }),
    );
  });

  test.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('not json').toString('base64url')],
    ['JSON but not an object', Buffer.from('"x"').toString('base64url')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, t: TOKEN, d: 'x' })).toString('base64url')],
    ['a raw S3 token', TOKEN],
    ['too long', 'A'.repeat(4097)],
    ['not a string', 42],
  ])('is refused when %s', (_name, cursor) => {
    expectCursorError(() => decodeCursor(cursor, scope));
  });
});
