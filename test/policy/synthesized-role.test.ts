/**
 * The authenticated role as synthesized, judged by a real IAM policy engine over the isolation
 * matrix: two identities x three levels x every object action, in their own folder and in the
 * other's; the `shared` level for three identities (owner, grantee, third); the team folders for
 * members, outsiders and untagged sessions (`groups.test.ts` judges the builder in depth); and the
 * listings that must and must not work. Also its size against IAM's limit, and its trust (assume
 * and tag the session, under the same conditions). The unauthenticated (guest) role as synthesized is the builders' document
 * and trust, which `guest-role.test.ts` judges.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { isAllowed } from '../../local/core/policy-engine';
import {
  AUTHENTICATED_TRUST_ACTIONS,
  authenticatedRoleTrustConditions,
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  type PolicyDocument,
  roleTrustConditions,
} from '../../shared/policy/access-policy';
import {
  AUTHENTICATED_ROLE_ARN,
  type SynthesizedRole,
  synthesizeIdentityRoles,
} from '../support/synthesized-policy';
import {
  BUCKET_ARN,
  BUCKET_NAME,
  GROUP_LIST_CASES,
  GROUP_OBJECT_CASES,
  groupListAllowed,
  groupObjectAllowed,
  IDENTITIES,
  IDENTITY_POOL_ID,
  identityContext,
  LIST_CASES,
  listAllowed,
  listPrefix,
  OBJECT_CASES,
  objectAllowed,
  objectKey,
  SHARED_LIST_CASES,
  SHARED_OBJECT_CASES,
  sharedListAllowed,
  sharedListPrefix,
  sharedObjectAllowed,
} from './matrix';

let role: SynthesizedRole;
/** The unauthenticated role, assumed for guests. */
let guest: SynthesizedRole;

beforeAll(() => {
  ({ authenticated: role, unauthenticated: guest } = synthesizeIdentityRoles(BUCKET_NAME, IDENTITY_POOL_ID));
}, 120_000);

describe('what is synthesized is what the local stack enforces', () => {
  test('the resolved inline policy equals the builder’s document for the same bucket', () => {
    expect(role.policy).toEqual(buildAuthenticatedRolePolicy({ bucketArn: `arn:aws:s3:::${BUCKET_NAME}` }));
    expect(role.policy).toEqual(buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN }));
  });

  test('the resolved guest policy equals the builder’s document for the same bucket', () => {
    expect(guest.policy).toEqual(buildUnauthenticatedRolePolicy({ bucketArn: BUCKET_ARN }));
    expect(guest.policy).not.toEqual(role.policy);
  });

  test('the direct-mode template carries the same roles: policy and trust (the matrices below hold for both)', () => {
    const direct = synthesizeIdentityRoles(BUCKET_NAME, IDENTITY_POOL_ID, 'direct');
    expect(direct.authenticated.policy).toEqual(role.policy);
    expect(direct.authenticated.trust).toEqual(role.trust);
    expect(direct.unauthenticated.policy).toEqual(guest.policy);
    expect(direct.unauthenticated.trust).toEqual(guest.trust);
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

describe('shared level: the owner does everything, the grantee reads, a third user nothing', () => {
  test.each(SHARED_OBJECT_CASES)(
    '$caller ($role) $action in shared/$owner/$grantee/ -> allowed: $allowed',
    async (c) => {
      await expect(sharedObjectAllowed(role.policy, c)).resolves.toBe(c.allowed);
    },
  );

  test('the matrix covers three shares, each with its owner, grantee and third user, every action', () => {
    expect(SHARED_OBJECT_CASES).toHaveLength(3 * 3 * 5);
    expect(SHARED_OBJECT_CASES.filter((c) => c.role === 'third' && c.allowed)).toEqual([]);
    expect(SHARED_OBJECT_CASES.filter((c) => c.role === 'grantee' && c.allowed).map((c) => c.action)).toEqual(
      Array(3).fill('s3:GetObject'),
    );
  });

  test.each(SHARED_LIST_CASES)('$caller lists $name -> allowed: $allowed', async (c) => {
    await expect(sharedListAllowed(role.policy, c)).resolves.toBe(c.allowed);
  });

  test('no listing of shared/ or of a whole owner’s shares is allowed to anyone but that owner', () => {
    for (const c of SHARED_LIST_CASES.filter((c) => c.allowed)) {
      const prefix = sharedListPrefix(c);
      if (prefix.startsWith(`shared/${IDENTITIES[c.caller]}/`)) continue; // the caller's own shares
      // Anyone else's listing ends in the caller's own segment: one owner's shares with the caller.
      expect(prefix).toMatch(new RegExp(`^shared/[^/]+/${IDENTITIES[c.caller]}/`));
    }
  });

  // IAM's `*` spans "/": the grantee pattern also matches a key whose path holds a third user's
  // identity ID as a segment. This is why the API refuses identity-shaped segments in `shared`.
  test('a third user CAN read a share whose path holds their identity ID as a segment (so the API must refuse such paths)', async () => {
    const share = { owner: 'A', grantee: 'B', caller: 'C', action: 's3:GetObject' } as const;
    await expect(sharedObjectAllowed(role.policy, share, 'docs/report.pdf')).resolves.toBe(false);
    await expect(sharedObjectAllowed(role.policy, share, `docs/${IDENTITIES.C}/report.pdf`)).resolves.toBe(
      true,
    );
    await expect(sharedObjectAllowed(role.policy, share, `${IDENTITIES.C}/report.pdf`)).resolves.toBe(true);
    // ...and list it, through the same wildcard.
    await expect(
      sharedListAllowed(role.policy, {
        name: 'third user via a path segment',
        caller: 'C',
        prefix: `shared/{A}/{B}/docs/{C}/`,
        allowed: true,
      }),
    ).resolves.toBe(true);
  });

  // s3:prefix is not a condition key of s3:ListBucketMultipartUploads, so the action cannot be
  // scoped to a folder: granting it would list every user's in-progress upload keys.
  test.each(['A', 'B', 'C'] as const)(
    '%s may not list multipart uploads, under any prefix',
    async (caller) => {
      for (const prefix of [undefined, `private/${IDENTITIES[caller]}/`, `shared/${IDENTITIES[caller]}/`]) {
        await expect(
          isAllowed({
            policy: role.policy,
            action: 's3:ListBucketMultipartUploads',
            resource: BUCKET_ARN,
            context: identityContext(caller, prefix === undefined ? {} : { 's3:prefix': prefix }),
          }),
        ).resolves.toBe(false);
      }
    },
  );
});

describe('team folders (groups/{group}/): members only, by their session tags', () => {
  test.each(GROUP_OBJECT_CASES)('$session $action in groups/$folder/ -> allowed: $allowed', async (c) => {
    await expect(groupObjectAllowed(role.policy, c)).resolves.toBe(c.allowed);
  });

  test.each(GROUP_LIST_CASES)('$session lists $name -> allowed: $allowed', async (c) => {
    await expect(groupListAllowed(role.policy, c)).resolves.toBe(c.allowed);
  });
});

describe('size: the inline policy stays well under the IAM limit', () => {
  // IAM counts a role's inline policies together, without whitespace: 10,240 characters.
  const IAM_ROLE_POLICY_LIMIT = 10_240;
  // The longest ARN a bucket can have: the longest partition name and a 63-character bucket name.
  const LONGEST_BUCKET_ARN = `arn:aws-us-gov:s3:::${'b'.repeat(63)}`;

  test('with the longest bucket ARN, every group slot included, it uses under half of the limit', () => {
    // Canonical lists (`["x"]` for `"x"`) only lengthen it, so this errs on the long side.
    const longest = JSON.stringify(role.policy).replaceAll(BUCKET_ARN, LONGEST_BUCKET_ARN);
    expect(longest).not.toContain(BUCKET_ARN);
    expect(longest.length).toBeLessThan(IAM_ROLE_POLICY_LIMIT / 2);
    // The guest role is a separate role with a budget of its own; it is far smaller.
    expect(JSON.stringify(guest.policy).length).toBeLessThan(longest.length / 4);
  });
});

describe('trust policy', () => {
  test('only Cognito identities of this pool, authenticated, may assume the role and tag the session', () => {
    expect(role.trust.principal).toEqual({ Federated: COGNITO_IDENTITY_PRINCIPAL });
    expect(role.trust.action).toEqual([...AUTHENTICATED_TRUST_ACTIONS]);
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
  ])('$name -> may assume, and tag the session: $expected', async ({ context, expected }) => {
    const trustAsStatement: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Trust',
          Effect: 'Allow',
          Action: role.trust.action as string[],
          Resource: [AUTHENTICATED_ROLE_ARN],
          Condition: role.trust.condition,
        },
      ],
    };
    // The same conditions for both: whoever may assume the role may take its token's tags, nobody else.
    for (const action of ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']) {
      await expect(
        isAllowed({ policy: trustAsStatement, action, resource: AUTHENTICATED_ROLE_ARN, context }),
        action,
      ).resolves.toBe(expected);
    }
  });
});

describe('guests: the synthesized unauthenticated role is the builders’ (guest-role.test.ts judges those)', () => {
  test('its trust admits only unauthenticated identities of this pool, as roleTrustConditions builds it', () => {
    expect(guest.trust.principal).toEqual({ Federated: COGNITO_IDENTITY_PRINCIPAL });
    // No sts:TagSession: STS refuses any tagged token for it, so no guest session carries a group.
    expect(guest.trust.action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(guest.trust.condition).toEqual(roleTrustConditions(IDENTITY_POOL_ID, 'unauthenticated'));
    expect(guest.trust.condition).not.toEqual(role.trust.condition);
  });

  test('sessions as long as the authenticated role’s (sessionDuration)', () => {
    expect(guest.maxSessionDuration).toBe(43_200);
    expect(guest.maxSessionDuration).toBe(role.maxSessionDuration);
  });
});
