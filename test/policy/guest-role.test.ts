/**
 * The unauthenticated (guest) role through the IAM engine: it reads `public` and lists one named
 * owner's public folder, and nothing else; its trust admits only this pool's unauthenticated
 * tokens, and the authenticated role's trust refuses them. A mutation of either must flip a case.
 */
import { describe, expect, test } from 'vitest';
import type { TrustPolicyDocument } from '../../local/core/credential-store';
import { isAllowed } from '../../local/core/policy-engine';
import { trusts } from '../../local/sts/trust-policy';
import {
  buildUnauthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  type PolicyDocument,
  roleTrustConditions,
} from '../../shared/policy/access-policy';
import { BUCKET_ARN, IDENTITIES, IDENTITY_POOL_ID } from './matrix';

const GUEST = 'us-east-1:5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const { A, B } = IDENTITIES;
const policy = buildUnauthenticatedRolePolicy({ bucketArn: BUCKET_ARN });

const guestContext = (extra: Record<string, string> = {}) => ({
  'cognito-identity.amazonaws.com:sub': GUEST,
  'cognito-identity.amazonaws.com:aud': IDENTITY_POOL_ID,
  'cognito-identity.amazonaws.com:amr': ['unauthenticated'],
  'aws:SecureTransport': 'true',
  ...extra,
});

interface GuestCase {
  readonly name: string;
  readonly action: string;
  /** An object key, or for listings the `s3:prefix` (absent: the bucket root). */
  readonly key?: string;
  readonly allowed: boolean;
}

const WRITES = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
const LEVEL_KEYS = [
  `private/${A}/a.png`,
  `protected/${A}/a.png`,
  `shared/${A}/${B}/a.png`,
  `groups/design/a.png`,
];

const CASES: readonly GuestCase[] = [
  { name: "reads A's public file", action: 's3:GetObject', key: `public/${A}/a.png`, allowed: true },
  {
    name: "reads B's public file, deep",
    action: 's3:GetObject',
    key: `public/${B}/x/y/z.txt`,
    allowed: true,
  },
  ...WRITES.flatMap((action) =>
    [`public/${A}/a.png`, `public/${GUEST}/a.png`].map((key) => ({
      name: `${action} ${key}`,
      action,
      key,
      allowed: false,
    })),
  ),
  ...LEVEL_KEYS.map((key) => ({ name: `reads ${key}`, action: 's3:GetObject', key, allowed: false })),
  { name: 'tags a public file', action: 's3:PutObjectTagging', key: `public/${A}/a.png`, allowed: false },
  { name: "lists A's public folder", action: 's3:ListBucket', key: `public/${A}/`, allowed: true },
  { name: "lists A's public subfolder", action: 's3:ListBucket', key: `public/${A}/photos/`, allowed: true },
  { name: 'lists public/ (every owner)', action: 's3:ListBucket', key: 'public/', allowed: false },
  { name: 'lists a partial owner', action: 's3:ListBucket', key: 'public/us-east-1:', allowed: false },
  { name: 'lists the bucket root', action: 's3:ListBucket', allowed: false },
  { name: 'lists with an empty prefix', action: 's3:ListBucket', key: '', allowed: false },
  ...[`private/${A}/`, `protected/${A}/`, `shared/${A}/${B}/`, 'groups/design/'].map((key) => ({
    name: `lists ${key}`,
    action: 's3:ListBucket',
    key,
    allowed: false,
  })),
];

async function allowed(document: PolicyDocument, c: GuestCase): Promise<boolean> {
  if (c.action === 's3:ListBucket') {
    return isAllowed({
      policy: document,
      action: c.action,
      resource: BUCKET_ARN,
      context: guestContext(c.key === undefined ? {} : { 's3:prefix': c.key }),
    });
  }
  return isAllowed({
    policy: document,
    action: c.action,
    resource: `${BUCKET_ARN}/${c.key}`,
    context: guestContext(),
  });
}

async function broken(document: PolicyDocument): Promise<string[]> {
  const failures: string[] = [];
  for (const c of CASES) if ((await allowed(document, c)) !== c.allowed) failures.push(c.name);
  return failures;
}

describe('the unauthenticated role', () => {
  test.each(CASES)('$name: $allowed', async (c) => {
    expect(await allowed(policy, c)).toBe(c.allowed);
  });

  test('mutation: granting it s3:PutObject on public/* flips exactly the public writes', async () => {
    const mutated: PolicyDocument = {
      ...policy,
      Statement: [
        ...policy.Statement,
        { Sid: 'Mutation', Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`${BUCKET_ARN}/public/*`] },
      ],
    };
    expect(await broken(policy)).toEqual([]);
    expect(await broken(mutated)).toEqual([
      `s3:PutObject public/${A}/a.png`,
      `s3:PutObject public/${GUEST}/a.png`,
    ]);
  });

  test('mutation: a listing rule of public/* (no owner segment) flips the enumeration cases', async () => {
    const mutated = JSON.parse(JSON.stringify(policy).replace('public/*/*', 'public/*')) as PolicyDocument;
    expect(await broken(mutated)).toEqual(['lists public/ (every owner)', 'lists a partial owner']);
  });
});

const ROLE_ARN = 'arn:aws:iam::000000000000:role/test';
const trustOf = (condition: ReturnType<typeof roleTrustConditions> | undefined): TrustPolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: COGNITO_IDENTITY_PRINCIPAL },
      Action: 'sts:AssumeRoleWithWebIdentity',
      ...(condition ? { Condition: condition } : {}),
    },
  ],
});
const guestToken = { aud: IDENTITY_POOL_ID, sub: GUEST, amr: ['unauthenticated'] };
const userToken = {
  aud: IDENTITY_POOL_ID,
  sub: A,
  amr: ['authenticated', 'cognito-idp.us-east-1.amazonaws.com/us-east-1_x', 'cognito-idp:CognitoSignIn:s'],
};

describe('trust', () => {
  const guestTrust = trustOf(roleTrustConditions(IDENTITY_POOL_ID, 'unauthenticated'));
  const userTrust = trustOf(roleTrustConditions(IDENTITY_POOL_ID, 'authenticated'));

  test("the guest role trusts this pool's unauthenticated tokens only", async () => {
    expect(await trusts(guestTrust, ROLE_ARN, guestToken)).toBe(true);
    expect(await trusts(guestTrust, ROLE_ARN, userToken)).toBe(false);
    expect(
      await trusts(guestTrust, ROLE_ARN, {
        ...guestToken,
        aud: 'us-east-1:00000000-0000-4000-8000-000000000000',
      }),
    ).toBe(false);
  });

  test('a guest token can never assume the authenticated role, by its amr condition', async () => {
    expect(await trusts(userTrust, ROLE_ARN, userToken)).toBe(true);
    expect(await trusts(userTrust, ROLE_ARN, guestToken)).toBe(false);
    // Mutation: without the amr condition the authenticated role would take a guest token.
    const { 'ForAnyValue:StringLike': _amr, ...audOnly } = roleTrustConditions(
      IDENTITY_POOL_ID,
      'authenticated',
    );
    expect(await trusts(trustOf(audOnly), ROLE_ARN, guestToken)).toBe(true);
  });
});
