/**
 * Malware scanning's bucket policy through the IAM engine, beside the deployed role policies: an
 * object is read only once tagged clean, by owners, guests, grantees and group members alike
 * (untagged, THREATS_FOUND and forged tags refused); only the scanner tags, and nobody else, not
 * even a role allowed `s3:*`, writes an object that arrives tagged. With the tag condition moved to
 * another key, the clean case flips: the deny hangs on the tag.
 */
import { describe, expect, test } from 'vitest';
import { evaluate } from '../../local/core/policy-engine';
import { SCAN_TAG, type ScanSettings } from '../../shared/domain/scan';
import {
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
  type PolicyDocument,
} from '../../shared/policy/access-policy';
import {
  buildScanBucketPolicy,
  buildScannerPolicy,
  scannedObjectArns,
} from '../../shared/policy/scan-policy';
import {
  BUCKET_ARN,
  groupObjectKey,
  groupSessionContext,
  IDENTITIES,
  IDENTITY_POOL_ID,
  identityContext,
  objectKey,
  sharedObjectKey,
} from './matrix';

const ROLES = {
  authenticated: 'arn:aws:iam::000000000000:role/user-files-authenticated',
  unauthenticated: 'arn:aws:iam::000000000000:role/user-files-unauthenticated',
  scanner: 'arn:aws:iam::000000000000:role/user-files-scanner',
  events: 'arn:aws:iam::000000000000:role/user-files-events',
  admin: 'arn:aws:iam::000000000000:role/user-files-admin',
};
const SETTINGS: ScanSettings = { prefixes: [], onUnsupported: 'block' };

function bucketPolicy(tagConditionKey?: string) {
  return {
    Version: '2012-10-17' as const,
    Statement: buildScanBucketPolicy({
      bucketArn: BUCKET_ARN,
      settings: SETTINGS,
      scannerRoleArn: ROLES.scanner,
      inspectorRoleArns: [ROLES.events],
      ...(tagConditionKey ? { tagConditionKey } : {}),
    }),
  };
}

const authenticated = buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN });
const everything: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: ['s3:*'], Resource: [`${BUCKET_ARN}/*`] }],
};

/** A reader of one object, as IAM sees its session: its role policy, its context, the key. */
interface Reader {
  readonly name: string;
  readonly policy: PolicyDocument;
  readonly context: Record<string, string | string[]>;
  readonly key: string;
}

const READERS: readonly Reader[] = [
  {
    name: 'an owner, in its private folder',
    policy: authenticated,
    context: identityContext('A'),
    key: objectKey({ caller: 'A', level: 'private', folder: 'own' }),
  },
  {
    name: 'a guest, in a public folder',
    policy: buildUnauthenticatedRolePolicy({ bucketArn: BUCKET_ARN }),
    context: {
      'cognito-identity.amazonaws.com:sub': 'us-east-1:5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
      'cognito-identity.amazonaws.com:aud': IDENTITY_POOL_ID,
      'cognito-identity.amazonaws.com:amr': ['unauthenticated'],
      'aws:SecureTransport': 'true',
      'aws:PrincipalArn': ROLES.unauthenticated,
    },
    key: `public/${IDENTITIES.A}/a.png`,
  },
  {
    name: 'a grantee, in a share with it',
    policy: authenticated,
    context: identityContext('B'),
    key: sharedObjectKey('A', 'B'),
  },
  {
    name: 'a group member, in its team folder',
    policy: authenticated,
    context: groupSessionContext('designer'),
    key: groupObjectKey('design'),
  },
];

const TAG_STATES: readonly { name: string; tags: Record<string, string>; readable: boolean }[] = [
  { name: 'untagged', tags: {}, readable: false },
  { name: 'THREATS_FOUND', tags: { [SCAN_TAG]: 'THREATS_FOUND' }, readable: false },
  { name: 'FAILED', tags: { [SCAN_TAG]: 'FAILED' }, readable: false },
  { name: 'UNSUPPORTED (blocked)', tags: { [SCAN_TAG]: 'UNSUPPORTED' }, readable: false },
  { name: 'forged: clean in lower case', tags: { [SCAN_TAG]: 'no_threats_found' }, readable: false },
  {
    name: 'forged: clean under another key',
    tags: { [`${SCAN_TAG}2`]: 'NO_THREATS_FOUND' },
    readable: false,
  },
  { name: 'clean', tags: { [SCAN_TAG]: 'NO_THREATS_FOUND' }, readable: true },
];

function read(reader: Reader, tags: Record<string, string>, policy = bucketPolicy()) {
  const tagContext = Object.fromEntries(
    Object.entries(tags).map(([key, value]) => [`s3:ExistingObjectTag/${key}`, value]),
  );
  return evaluate({
    policy: reader.policy,
    resourcePolicy: policy,
    action: 's3:GetObject',
    resource: `${BUCKET_ARN}/${reader.key}`,
    context: { 'aws:PrincipalArn': ROLES.authenticated, ...reader.context, ...tagContext },
  });
}

describe('reads wait for a clean tag, whoever reads', () => {
  const cases = READERS.flatMap((reader) => TAG_STATES.map((state) => ({ reader, state })));
  test.each(cases)('$reader.name, $state.name -> readable: $state.readable', async ({ reader, state }) => {
    await expect(read(reader, state.tags)).resolves.toBe(state.readable ? 'Allowed' : 'ExplicitlyDenied');
  });

  test.each(READERS)('$name: without the bucket policy, an untagged object is readable', async (reader) => {
    await expect(
      evaluate({
        policy: reader.policy,
        action: 's3:GetObject',
        resource: `${BUCKET_ARN}/${reader.key}`,
        context: reader.context,
      }),
    ).resolves.toBe('Allowed');
  });

  test.each(READERS)(
    'mutation: with the tag condition on another key, $name is refused even clean',
    async (reader) => {
      const mutated = bucketPolicy('s3:ExistingObjectTag/SomethingElse');
      await expect(read(reader, { [SCAN_TAG]: 'NO_THREATS_FOUND' }, mutated)).resolves.toBe(
        'ExplicitlyDenied',
      );
    },
  );
});

describe('only the scanner tags', () => {
  const key = `${BUCKET_ARN}/${objectKey({ caller: 'A', level: 'private', folder: 'own' })}`;
  const judge = (
    policy: PolicyDocument,
    role: string,
    action: string,
    extra: Record<string, string | string[]> = {},
  ) =>
    evaluate({
      policy,
      resourcePolicy: bucketPolicy(),
      action,
      resource: key,
      context: { ...identityContext('A'), 'aws:PrincipalArn': role, ...extra },
    });

  test('the scanner reads an unscanned object and tags it', async () => {
    const scanner = buildScannerPolicy(BUCKET_ARN, SETTINGS);
    await expect(judge(scanner, ROLES.scanner, 's3:GetObject')).resolves.toBe('Allowed');
    await expect(judge(scanner, ROLES.scanner, 's3:PutObjectTagging')).resolves.toBe('Allowed');
  });

  test('the scanner reads and tags only the scanned prefixes, as the deployed plan role', async () => {
    const scanner = buildScannerPolicy(BUCKET_ARN, { prefixes: ['public/', 'groups/'] });
    const at = (path: string, action: string) =>
      evaluate({
        policy: scanner,
        action,
        resource: `${BUCKET_ARN}/${path}`,
        context: { ...identityContext('A'), 'aws:PrincipalArn': ROLES.scanner },
      });
    for (const action of ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging']) {
      await expect(at('public/someone/a.txt', action)).resolves.toBe('Allowed');
      await expect(at('groups/design/a.txt', action)).resolves.toBe('Allowed');
      await expect(at('private/someone/a.txt', action)).resolves.toBe('ImplicitlyDenied');
      await expect(at('publicity/a.txt', action)).resolves.toBe('ImplicitlyDenied');
    }
    expect(scannedObjectArns(BUCKET_ARN, { prefixes: [] })).toEqual([`${BUCKET_ARN}/*`]);
    expect(scannedObjectArns(BUCKET_ARN, { prefixes: ['public/'] })).toEqual([`${BUCKET_ARN}/public/*`]);
  });

  test.each([
    's3:PutObjectTagging',
    's3:DeleteObjectTagging',
    's3:PutObjectVersionTagging',
    's3:DeleteObjectVersionTagging',
  ])('%s is explicitly denied to everyone else, even a role allowed s3:*', async (action) => {
    for (const role of [ROLES.authenticated, ROLES.events, ROLES.admin]) {
      await expect(judge(everything, role, action)).resolves.toBe('ExplicitlyDenied');
    }
    await expect(judge(authenticated, ROLES.authenticated, action)).resolves.not.toBe('Allowed');
  });

  test('a write that arrives tagged is denied to everyone but the scanner', async () => {
    const tagged = {
      's3:RequestObjectTagKeys': [SCAN_TAG],
      [`s3:RequestObjectTag/${SCAN_TAG}`]: 'NO_THREATS_FOUND',
    };
    for (const role of [ROLES.authenticated, ROLES.events, ROLES.admin]) {
      await expect(judge(everything, role, 's3:PutObject', tagged)).resolves.toBe('ExplicitlyDenied');
      await expect(judge(everything, role, 's3:PutObject')).resolves.toBe('Allowed');
    }
    await expect(judge(everything, ROLES.scanner, 's3:PutObject', tagged)).resolves.toBe('Allowed');
  });

  test('the events function reads before the scan; an admin role does not', async () => {
    await expect(judge(everything, ROLES.events, 's3:GetObject')).resolves.toBe('Allowed');
    await expect(judge(everything, ROLES.admin, 's3:GetObject')).resolves.toBe('ExplicitlyDenied');
  });
});
