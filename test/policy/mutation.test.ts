/**
 * The matrix proves isolation only if it can fail. A policy whose identity variable is replaced by
 * `*` (every user's folder is "own") must break exactly the cross-user assertions, no others.
 */
import { describe, expect, test } from 'vitest';
import { buildAuthenticatedRolePolicy } from '../../shared/policy/access-policy';
import {
  BUCKET_ARN,
  LIST_CASES,
  listAllowed,
  OBJECT_CASES,
  objectAllowed,
  SHARED_LIST_CASES,
  SHARED_OBJECT_CASES,
  sharedListAllowed,
  sharedObjectAllowed,
} from './matrix';

const mutated = buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN, identityVariable: '*' });

describe('with the identity variable replaced by "*"', () => {
  test('the object matrix fails on every write, delete and private read in the other identity’s folder', async () => {
    const broken: string[] = [];
    for (const c of OBJECT_CASES) {
      if ((await objectAllowed(mutated, c)) !== c.allowed) {
        broken.push(`${c.caller} ${c.action} ${c.level}/${c.folder}`);
      }
    }
    const expected = OBJECT_CASES.filter(
      (c) => c.folder === 'other' && !(c.action === 's3:GetObject' && c.level !== 'private'),
    ).map((c) => `${c.caller} ${c.action} ${c.level}/${c.folder}`);
    // 2 callers x (3 levels x 5 actions - 2 shared reads) = 26 isolation failures.
    expect(expected).toHaveLength(26);
    expect(broken).toEqual(expected);
    // Spelled out, so a change in what the mutation breaks is visible here:
    expect(broken).toContain('A s3:GetObject private/other');
    expect(broken).toContain('A s3:PutObject public/other');
    expect(broken).toContain('B s3:DeleteObject protected/other');
    expect(broken).toContain('B s3:AbortMultipartUpload private/other');
  });

  test("the listing matrix fails on the other identity's private folder", async () => {
    const broken: string[] = [];
    for (const c of LIST_CASES) {
      if ((await listAllowed(mutated, c)) !== c.allowed) broken.push(`${c.caller}: ${c.name}`);
    }
    expect(broken.sort()).toEqual(
      [
        "A: other's private folder",
        "A: other's private folder, delimiter",
        "A: other's private subfolder",
        "B: other's private folder",
        "B: other's private folder, delimiter",
        "B: other's private subfolder",
      ].sort(),
    );
  });
});

describe('shared level, with the identity variable replaced by "*"', () => {
  test('every write, delete and multipart action of the grantee and third user, and every read of the third, flips to allowed', async () => {
    const broken: string[] = [];
    for (const c of SHARED_OBJECT_CASES) {
      if ((await sharedObjectAllowed(mutated, c)) !== c.allowed) broken.push(`${c.role} ${c.action}`);
    }
    const expected = SHARED_OBJECT_CASES.filter((c) => !c.allowed).map((c) => `${c.role} ${c.action}`);
    // 3 shares x (grantee: 4 actions + third: 5 actions) = 27 isolation failures.
    expect(expected).toHaveLength(27);
    expect(broken).toEqual(expected);
    expect(broken).toContain('third s3:GetObject');
    expect(broken).toContain('grantee s3:PutObject');
  });

  test('the third user may list the shares of others, and anyone a whole owner’s shares', async () => {
    const broken: string[] = [];
    for (const c of SHARED_LIST_CASES) {
      if ((await sharedListAllowed(mutated, c)) !== c.allowed) broken.push(`${c.caller}: ${c.name}`);
    }
    expect(broken).toContain("C: A's shares with B");
    expect(broken).toContain("B: A's whole outgoing shares");
    // The level root stays closed: it names no owner, whatever the variable.
    expect(broken.filter((name) => name.includes('level root'))).toEqual([]);
  });
});
