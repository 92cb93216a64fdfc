/**
 * The engine with a bucket policy beside the identity policy, as IAM evaluates same-account
 * access: an explicit deny in either wins, an allow from either suffices; the condition operators
 * the scan's bucket policy relies on behave as IAM's (a negated operator matches an absent key,
 * `Null` reads a multi-valued key, `ArnNotEquals` exempts exactly the named role); and the decision
 * cache tells apart what only the bucket policy reads.
 */
import { describe, expect, test, vi } from 'vitest';
import { evaluate, type ResourcePolicyDocument } from '../../local/core/policy-engine';
import type { PolicyDocument } from '../../shared/policy/access-policy';
import type { BucketPolicyStatement } from '../../shared/policy/scan-policy';
import { BUCKET_ARN } from './matrix';

const simulations = vi.hoisted(() => vi.fn());
vi.mock('@cloud-copilot/iam-simulate', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@cloud-copilot/iam-simulate')>();
  return {
    ...actual,
    runUnsafeSimulation: (...args: Parameters<typeof actual.runUnsafeSimulation>) => {
      simulations();
      return actual.runUnsafeSimulation(...args);
    },
  };
});

const OBJECT = `${BUCKET_ARN}/private/someone/a.txt`;
const ROLE = 'arn:aws:iam::000000000000:role/user-role';
const EXEMPT = 'arn:aws:iam::000000000000:role/exempt';

const allowAll: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'All', Effect: 'Allow', Action: ['s3:*'], Resource: [`${BUCKET_ARN}/*`] }],
};
const allowNothing: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'List', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [BUCKET_ARN] }],
};

const bucketPolicy = (...statements: BucketPolicyStatement[]): ResourcePolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

const deny = (action: string, condition: BucketPolicyStatement['Condition']): BucketPolicyStatement => ({
  Sid: 'Deny',
  Effect: 'Deny',
  Principal: '*',
  Action: [action],
  Resource: [`${BUCKET_ARN}/*`],
  ...(condition ? { Condition: condition } : {}),
});

const denyUntagged = bucketPolicy(
  deny('s3:GetObject', {
    StringNotEquals: { 's3:ExistingObjectTag/state': ['clean'] },
    ArnNotEquals: { 'aws:PrincipalArn': [EXEMPT] },
  }),
);
const denyTaggedWrites = bucketPolicy(deny('s3:PutObject', { Null: { 's3:RequestObjectTagKeys': 'false' } }));

function judge(
  action: string,
  context: Record<string, string | string[]>,
  resourcePolicy: ResourcePolicyDocument | undefined,
  policy = allowAll,
) {
  return evaluate({
    policy,
    action,
    resource: OBJECT,
    context: { 'aws:PrincipalArn': ROLE, ...context },
    ...(resourcePolicy ? { resourcePolicy } : {}),
  });
}

describe('identity and bucket policy together', () => {
  test('an explicit deny in the bucket policy wins over the identity policy’s allow', async () => {
    await expect(judge('s3:GetObject', {}, denyUntagged)).resolves.toBe('ExplicitlyDenied');
    await expect(judge('s3:GetObject', {}, undefined)).resolves.toBe('Allowed');
  });

  test('an allow in the bucket policy suffices for the same account', async () => {
    const allowRead = bucketPolicy({
      Sid: 'AllowRead',
      Effect: 'Allow',
      Principal: '*',
      Action: ['s3:GetObject'],
      Resource: [`${BUCKET_ARN}/*`],
    });
    await expect(judge('s3:GetObject', {}, allowRead, allowNothing)).resolves.toBe('Allowed');
    await expect(judge('s3:GetObject', {}, undefined, allowNothing)).resolves.toBe('ImplicitlyDenied');
  });

  test('a bucket policy that only denies grants nothing of its own', async () => {
    await expect(
      judge('s3:GetObject', { 's3:ExistingObjectTag/state': 'clean' }, denyUntagged, allowNothing),
    ).resolves.toBe('ImplicitlyDenied');
  });
});

describe('the operators the scan policy relies on', () => {
  test('StringNotEquals on an absent tag key denies (a negated operator matches an absent key)', async () => {
    await expect(judge('s3:GetObject', {}, denyUntagged)).resolves.toBe('ExplicitlyDenied');
    await expect(
      judge('s3:GetObject', { 's3:ExistingObjectTag/other': 'clean' }, denyUntagged),
    ).resolves.toBe('ExplicitlyDenied');
    await expect(
      judge('s3:GetObject', { 's3:ExistingObjectTag/state': 'dirty' }, denyUntagged),
    ).resolves.toBe('ExplicitlyDenied');
    await expect(
      judge('s3:GetObject', { 's3:ExistingObjectTag/state': 'clean' }, denyUntagged),
    ).resolves.toBe('Allowed');
  });

  test('ArnNotEquals on aws:PrincipalArn exempts exactly the named role', async () => {
    await expect(judge('s3:GetObject', { 'aws:PrincipalArn': EXEMPT }, denyUntagged)).resolves.toBe(
      'Allowed',
    );
    for (const near of [`${EXEMPT}-2`, EXEMPT.replace('exempt', 'exemp'), EXEMPT.toUpperCase()]) {
      await expect(judge('s3:GetObject', { 'aws:PrincipalArn': near }, denyUntagged)).resolves.toBe(
        'ExplicitlyDenied',
      );
    }
  });

  test('Null on s3:RequestObjectTagKeys reads a multi-valued key: any tag denies, none passes', async () => {
    await expect(judge('s3:PutObject', {}, denyTaggedWrites)).resolves.toBe('Allowed');
    await expect(judge('s3:PutObject', { 's3:RequestObjectTagKeys': ['a'] }, denyTaggedWrites)).resolves.toBe(
      'ExplicitlyDenied',
    );
    await expect(
      judge('s3:PutObject', { 's3:RequestObjectTagKeys': ['a', 'b', 'c'] }, denyTaggedWrites),
    ).resolves.toBe('ExplicitlyDenied');
  });
});

describe('the decision cache', () => {
  test('a decision is cached per bucket policy and per value of the keys only it reads', async () => {
    const clean = { 's3:ExistingObjectTag/state': 'clean' };
    await expect(judge('s3:GetObject', clean, denyUntagged)).resolves.toBe('Allowed');
    simulations.mockClear();
    await expect(judge('s3:GetObject', clean, denyUntagged)).resolves.toBe('Allowed');
    expect(simulations).not.toHaveBeenCalled();
    // Only the bucket policy reads these keys: each value must be judged anew.
    await expect(judge('s3:GetObject', { 's3:ExistingObjectTag/state': 'x' }, denyUntagged)).resolves.toBe(
      'ExplicitlyDenied',
    );
    await expect(judge('s3:GetObject', { ...clean, 'aws:PrincipalArn': EXEMPT }, denyUntagged)).resolves.toBe(
      'Allowed',
    );
    expect(simulations).toHaveBeenCalledTimes(2);
    // The same identity policy and request, without the bucket policy, is another entry.
    await expect(judge('s3:GetObject', { 's3:ExistingObjectTag/state': 'x' }, undefined)).resolves.toBe(
      'Allowed',
    );
  });

  test('a bucket policy rebuilt with other content is judged anew', async () => {
    const other = bucketPolicy(
      deny('s3:GetObject', { StringNotEquals: { 's3:ExistingObjectTag/state': ['dirty'] } }),
    );
    const context = { 's3:ExistingObjectTag/state': 'clean' };
    await expect(judge('s3:GetObject', context, denyUntagged)).resolves.toBe('Allowed');
    await expect(judge('s3:GetObject', context, other)).resolves.toBe('ExplicitlyDenied');
  });
});
