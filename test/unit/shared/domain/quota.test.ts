import { describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../../../shared/domain/errors';
import { groupOfOwner, groupOwner } from '../../../../shared/domain/groups';
import {
  checkQuota,
  deploymentQuotaOf,
  effectiveQuota,
  quotaOf,
  standing,
} from '../../../../shared/domain/quota';

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

describe('the quota of a ledger owner', () => {
  const USER = 'us-east-1:11111111-1111-4111-8111-111111111111';
  const quotas = { quota: { bytes: 1000 }, groupQuota: { bytes: 50, objects: 2 } };

  it("a group's partition is groups/{group}, and only a group name is read back from one", () => {
    expect(groupOwner('design')).toBe('groups/design');
    expect(groupOfOwner('groups/design')).toBe('design');
    expect(groupOfOwner(USER)).toBeUndefined();
    expect(groupOfOwner('groups/')).toBeUndefined();
    expect(groupOfOwner('groups/a/b')).toBeUndefined();
    expect(groupOfOwner('design')).toBeUndefined();
  });

  it("is the group quota for a group's partition, the user quota for an identity", () => {
    expect(deploymentQuotaOf(quotas, groupOwner('design'))).toEqual({ bytes: 50, objects: 2 });
    expect(deploymentQuotaOf(quotas, USER)).toEqual({ bytes: 1000 });
  });

  it("an override replaces the deployment's quota field by field", () => {
    expect(effectiveQuota(quotas, groupOwner('design'), { objects: 9 })).toEqual({ bytes: 50, objects: 9 });
    expect(effectiveQuota(quotas, USER, quotaOf(undefined, 3))).toEqual({ bytes: 1000, objects: 3 });
    expect(quotaOf(5, undefined)).toEqual({ bytes: 5 });
    expect(quotaOf(undefined, undefined)).toEqual({});
  });
});
