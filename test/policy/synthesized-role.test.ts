/**
 * The authenticated role as synthesized, judged by a real IAM policy engine over the isolation
 * matrix of DESIGN section 2: two identities x three levels x every object action, in their own
 * folder and in the other's, and the listings that must and must not work.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { isAllowed } from '../../local/policy-engine';
import {
  authenticatedRoleTrustConditions,
  buildAuthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  type PolicyDocument,
} from '../../shared/policy/access-policy';
import {
  AUTHENTICATED_ROLE_ARN,
  type SynthesizedRole,
  synthesizeAuthenticatedRole,
} from '../support/synthesized-policy';
import {
  BUCKET_ARN,
  BUCKET_NAME,
  IDENTITY_POOL_ID,
  LIST_CASES,
  listAllowed,
  listPrefix,
  OBJECT_CASES,
  objectAllowed,
  objectKey,
} from './matrix';

let role: SynthesizedRole;

beforeAll(() => {
  role = synthesizeAuthenticatedRole(BUCKET_NAME, IDENTITY_POOL_ID);
}, 120_000);

describe('what is synthesized is what the local stack enforces', () => {
  test('the resolved inline policy equals the builder’s document for the same bucket', () => {
    expect(role.policy).toEqual(buildAuthenticatedRolePolicy({ bucketArn: `arn:aws:s3:::${BUCKET_NAME}` }));
    expect(role.policy).toEqual(buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN }));
  });

  test('the direct-mode template carries the same role: policy and trust (the matrix below holds for both)', () => {
    const direct = synthesizeAuthenticatedRole(BUCKET_NAME, IDENTITY_POOL_ID, 'direct');
    expect(direct.policy).toEqual(role.policy);
    expect(direct.trust).toEqual(role.trust);
  }, 120_000);
});

describe('objects: owners do everything in their folder, others only read protected and public', () => {
  test.each(OBJECT_CASES)('$caller $action in the $folder $level folder -> allowed: $allowed', async (c) => {
    await expect(objectAllowed(role.policy, c)).resolves.toBe(c.allowed);
  });

  test('the matrix covers both identities, every level and action, own and other folders', () => {
    expect(OBJECT_CASES).toHaveLength(2 * 3 * 5 * 2);
    expect(OBJECT_CASES.filter((c) => c.allowed && c.folder === 'other').map((c) => c.action)).toEqual(
      Array(4).fill('s3:GetObject'),
    );
    expect(objectKey({ caller: 'A', level: 'protected', folder: 'other' })).toMatch(
      /^protected\/us-east-1:8e2f0a1b-[^/]+\/docs\/report\.pdf$/,
    );
  });
});

describe('listing: only inside one named owner’s folder, never private ones of others', () => {
  test.each(LIST_CASES)('$caller lists $name -> allowed: $allowed', async (c) => {
    await expect(listAllowed(role.policy, c)).resolves.toBe(c.allowed);
  });

  test('no listing that could enumerate owners is allowed', () => {
    // Every allowed prefix reaches past `{level}/{identity}/`, so it names exactly one owner.
    const allowed = LIST_CASES.filter((c) => c.allowed).map(listPrefix);
    for (const prefix of allowed) {
      expect(prefix).toMatch(/^(private|protected|public)\/[a-z]{2}(-[a-z]+)+-\d:[0-9a-f-]{36}\//);
    }
  });
});

describe('trust policy', () => {
  test('only Cognito identities of this pool, authenticated, may assume the role', () => {
    expect(role.trust.principal).toEqual({ Federated: COGNITO_IDENTITY_PRINCIPAL });
    expect(role.trust.action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(role.trust.condition).toEqual(authenticatedRoleTrustConditions(IDENTITY_POOL_ID));
  });

  const AUD = `${COGNITO_IDENTITY_PRINCIPAL}:aud`;
  const AMR = `${COGNITO_IDENTITY_PRINCIPAL}:amr`;
  const signedIn = ['authenticated', 'cognito-idp.us-east-1.amazonaws.com'];

  // The trust conditions evaluated by the engine, as a statement granting the assume-role action:
  // STS evaluates the same condition block against the web identity's context keys.
  const OTHER_POOL = 'us-east-1:11111111-2222-4333-8444-555555555555';
  test.each<{ name: string; context: Record<string, string | string[]>; expected: boolean }>([
    {
      name: 'signed-in identity of this pool',
      context: { [AUD]: IDENTITY_POOL_ID, [AMR]: signedIn },
      expected: true,
    },
    {
      name: 'amr as a single value',
      context: { [AUD]: IDENTITY_POOL_ID, [AMR]: 'authenticated' },
      expected: true,
    },
    {
      name: 'guest identity',
      context: { [AUD]: IDENTITY_POOL_ID, [AMR]: ['unauthenticated'] },
      expected: false,
    },
    { name: 'identity of another pool', context: { [AUD]: OTHER_POOL, [AMR]: signedIn }, expected: false },
    {
      name: 'pool id in another case',
      context: { [AUD]: IDENTITY_POOL_ID.toUpperCase(), [AMR]: signedIn },
      expected: false,
    },
    { name: 'no aud', context: { [AMR]: signedIn }, expected: false },
    { name: 'no amr', context: { [AUD]: IDENTITY_POOL_ID }, expected: false },
    { name: 'empty amr', context: { [AUD]: IDENTITY_POOL_ID, [AMR]: [] }, expected: false },
  ])('$name -> may assume: $expected', async ({ context, expected }) => {
    const trustAsStatement: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Trust',
          Effect: 'Allow',
          Action: [role.trust.action as string],
          Resource: [AUTHENTICATED_ROLE_ARN],
          Condition: role.trust.condition,
        },
      ],
    };
    await expect(
      isAllowed({
        policy: trustAsStatement,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: AUTHENTICATED_ROLE_ARN,
        context,
      }),
    ).resolves.toBe(expected);
  });
});
