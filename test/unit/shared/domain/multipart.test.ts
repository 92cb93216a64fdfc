import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/domain/errors';
import {
  checkCompleteParts,
  decodeHandle,
  encodeHandle,
  MAX_MULTIPART_BYTES,
  MAX_PARTS,
  MIB,
  partBytes,
  planParts,
  type StoredPart,
  type UploadHandle,
} from '../../../../shared/domain/multipart';

describe('planParts', () => {
  it.each([
    [1, 8 * MIB, 1],
    [8 * MIB, 8 * MIB, 1],
    [8 * MIB + 1, 8 * MIB, 2],
    [64 * MIB, 8 * MIB, 8],
    [MAX_PARTS * 8 * MIB, 8 * MIB, MAX_PARTS],
    [MAX_PARTS * 8 * MIB + 1, 16 * MIB, 5001],
    [5 * 1024 ** 3, 8 * MIB, 640],
    [MAX_MULTIPART_BYTES, 1024 * MIB, 5120],
  ])('%d bytes: parts of %d, %d of them', (size, partSize, partCount) => {
    expect(planParts(size)).toEqual({ size, partSize, partCount });
  });

  it('never needs more than 10,000 parts or parts over 5 GiB', () => {
    for (let size = 1; size <= MAX_MULTIPART_BYTES; size = size * 3 + 7) {
      const plan = planParts(size);
      expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
      expect(plan.partSize).toBeLessThanOrEqual(5 * 1024 * MIB);
      expect(plan.partSize * plan.partCount).toBeGreaterThanOrEqual(size);
      expect(plan.partSize * (plan.partCount - 1)).toBeLessThan(size);
    }
  });

  it.each([0, -1, 1.5, MAX_MULTIPART_BYTES + 1, Number.NaN])('refuses size %s, naming it', (size) => {
    expect(() => planParts(size)).toThrow(expect.objectContaining({ field: 'size' }));
  });
});

describe('partBytes', () => {
  const plan = planParts(20 * MIB + 5);
  it('gives every part the part size and the last the remainder', () => {
    expect([1, 2, 3].map((n) => partBytes(plan, n))).toEqual([8 * MIB, 8 * MIB, 4 * MIB + 5]);
  });
  it.each([0, 4, 1.5, -1])('refuses part %s, naming parts', (n) => {
    expect(() => partBytes(plan, n)).toThrow(expect.objectContaining({ field: 'parts' }));
  });
});

describe('upload handle', () => {
  const handle: UploadHandle = {
    level: 'protected',
    key: 'videos/2026/holiday é.mp4',
    size: 70 * MIB,
    contentType: 'video/mp4',
    overwrite: false,
    uploadId: 'VXBsb2FkIElEIGZvciA2aWWZ3aWxsIG1vdmU.abc_-~+/=',
  };

  it('round-trips, URL-safe', () => {
    const text = encodeHandle(handle);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeHandle(text)).toEqual(handle);
  });

  const wire = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const valid = JSON.parse(Buffer.from(encodeHandle(handle), 'base64url').toString()) as Record<
    string,
    unknown
  >;

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['JSON but not an object', wire([1, 2])],
    ['another version', wire({ ...valid, v: 2 })],
    ['an unknown level', wire({ ...valid, l: 'secret' })],
    ['a negative size', wire({ ...valid, s: -1 })],
    ['a fractional size', wire({ ...valid, s: 1.5 })],
    ['a size over 5 TiB', wire({ ...valid, s: MAX_MULTIPART_BYTES + 1 })],
    ['a bad content type', wire({ ...valid, t: 'not a type' })],
    ['an upload ID with spaces', wire({ ...valid, u: 'a b' })],
    ['an upload ID with a query', wire({ ...valid, u: 'x&partNumber=2' })],
    ['an extra field', wire({ ...valid, owner: 'us-east-1:x' })],
    ['a missing field', wire({ ...valid, u: undefined })],
    ['too long', 'A'.repeat(5000)],
  ])('refuses %s with a 400 naming upload', (_name, text) => {
    expect(() => decodeHandle(text)).toThrow(ValidationError);
    expect(() => decodeHandle(text)).toThrow(expect.objectContaining({ field: 'upload', status: 400 }));
  });
});

describe('checkCompleteParts', () => {
  const plan = planParts(20 * MIB + 5);
  const part = (partNumber: number, size: number): StoredPart => ({
    partNumber,
    size,
    etag: `"e${partNumber}"`,
  });
  const good = [part(2, 8 * MIB), part(1, 8 * MIB), part(3, 4 * MIB + 5)];

  it('returns exactly the agreed parts, in order', () => {
    expect(checkCompleteParts(plan, good).map((p) => p.partNumber)).toEqual([1, 2, 3]);
  });

  it.each([
    ['a missing part', [part(1, 8 * MIB), part(3, 4 * MIB + 5)], /part 2 of 3 has not been uploaded/],
    ['an extra part', [...good, part(4, 1)], /part 4, beyond this upload's 3 parts/],
    ['a short part', [part(1, 8 * MIB - 1), part(2, 8 * MIB), part(3, 4 * MIB + 5)], /part 1 holds/],
    ['a long last part', [part(1, 8 * MIB), part(2, 8 * MIB), part(3, 4 * MIB + 6)], /part 3 holds/],
    ['no parts', [], /part 1 of 3/],
  ])('refuses %s, naming upload', (_name, parts, message) => {
    expect(() => checkCompleteParts(plan, parts)).toThrow(message);
    expect(() => checkCompleteParts(plan, parts)).toThrow(expect.objectContaining({ field: 'upload' }));
  });
});
