import { describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../../../shared/domain/errors';
import { checkQuota, standing } from '../../../../shared/domain/quota';

describe('quota', () => {
  const reservations = [
    { key: 'a', bytes: 100, expiresAt: 1000 },
    { key: 'b', bytes: 50, expiresAt: 500 },
  ];

  it('counts live reservations only, and not the key being reserved again', () => {
    expect(standing({ bytes: 10, objects: 1 }, reservations, 600)).toEqual({
      bytes: 10,
      objects: 1,
      reservedBytes: 100,
      reservedObjects: 1,
    });
    expect(standing({ bytes: 10, objects: 1 }, reservations, 400, 'a').reservedBytes).toBe(50);
  });

  it('refuses what would not fit, with usage and limit', () => {
    const current = { bytes: 900, objects: 2, reservedBytes: 50, reservedObjects: 1 };
    expect(() => checkQuota({ bytes: 1000 }, current, 50)).not.toThrow();
    expect(() => checkQuota({ bytes: 1000 }, current, 51)).toThrow(QuotaExceededError);
    expect(() => checkQuota({ objects: 3 }, current, 0)).toThrow(/quota of 3 objects/);
    expect(() => checkQuota({}, current, 10 ** 12)).not.toThrow();
  });
});
