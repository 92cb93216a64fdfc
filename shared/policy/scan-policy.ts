/**
 * The bucket-policy statements of malware scanning, built once and used by the CDK stack (added to
 * the files bucket's policy) and by the local S3 gateway (evaluated with every request), so storage
 * itself refuses what is not scanned clean, whoever signed the request: an owner, a grantee, a
 * group member, a guest, a presigned URL made before the scan.
 *
 * Every statement is a Deny with `Principal: '*'`: an explicit deny wins over any allow, in any
 * account. Only the scanner (which must read to scan and tag to report) and the events function
 * (which reads an object's first bytes before the scan ends) are exempt, each named by its role ARN
 * (`aws:PrincipalArn` is the role's ARN for any session of it).
 */
import { SCAN_TAG, type ScanSettings, servableResults } from '../domain/scan';
import type { ConditionBlock, PolicyStatement } from './access-policy';

export interface BucketPolicyStatement extends PolicyStatement {
  readonly Principal: '*';
}

export interface ScanBucketPolicyProps {
  /** `arn:{partition}:s3:::{name}` (a CDK token is fine). */
  readonly bucketArn: string;
  readonly settings: ScanSettings;
  /** The scanner's role: the only principal that may read unscanned objects and write tags. */
  readonly scannerRoleArn: string;
  /** Roles that read objects before their scan ends (the events function's content checks). */
  readonly inspectorRoleArns: readonly string[];
  /** Replaces the tag condition key; tests set another to prove the deny hangs on the tag. */
  readonly tagConditionKey?: string;
}

/** Tagging, in every form a request can carry it: only the scanner may set or remove a tag. */
const TAGGING_ACTIONS = [
  's3:PutObjectTagging',
  's3:DeleteObjectTagging',
  's3:PutObjectVersionTagging',
  's3:DeleteObjectVersionTagging',
] as const;

/** The reads the scan gates: a HEAD is an `s3:GetObject` too. */
export const GATED_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'] as const;

/** The object-key patterns the scan holds (and GuardDuty scans): the whole bucket without prefixes. */
export function scannedKeyPatterns(settings: Pick<ScanSettings, 'prefixes'>): string[] {
  return settings.prefixes.length === 0 ? ['*'] : settings.prefixes.map((prefix) => `${prefix}*`);
}

const exceptRoles = (arns: readonly string[]): ConditionBlock => ({
  ArnNotEquals: { 'aws:PrincipalArn': [...arns] },
});

/**
 * The objects scanning covers, as resource ARNs: `{bucketArn}/{prefix}*` for each scanned prefix,
 * the whole bucket without prefixes. What the read deny holds and what the scanner may read and tag.
 */
export function scannedObjectArns(bucketArn: string, settings: Pick<ScanSettings, 'prefixes'>): string[] {
  return scannedKeyPatterns(settings).map((pattern) => `${bucketArn}/${pattern}`);
}

export function buildScanBucketPolicy(props: ScanBucketPolicyProps): BucketPolicyStatement[] {
  const { bucketArn, settings, scannerRoleArn } = props;
  const tagKey = props.tagConditionKey ?? `s3:ExistingObjectTag/${SCAN_TAG}`;
  const scanned = scannedObjectArns(bucketArn, settings);
  return [
    {
      // An untagged object has no such key, and a negated operator matches an absent key: denied.
      Sid: 'DenyReadsUntilScannedClean',
      Effect: 'Deny',
      Principal: '*',
      Action: [...GATED_READ_ACTIONS],
      Resource: scanned,
      Condition: {
        StringNotEquals: { [tagKey]: servableResults(settings) },
        ...exceptRoles([scannerRoleArn, ...props.inspectorRoleArns]),
      },
    },
    {
      Sid: 'DenyObjectTaggingButScanner',
      Effect: 'Deny',
      Principal: '*',
      Action: [...TAGGING_ACTIONS],
      Resource: [`${bucketArn}/*`],
      Condition: exceptRoles([scannerRoleArn]),
    },
    {
      // Tags sent with a write (`x-amz-tagging` on PutObject, CreateMultipartUpload, or a copy
      // that replaces tags): nobody may write an object that arrives already marked.
      Sid: 'DenyTaggedWritesButScanner',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:PutObject'],
      Resource: [`${bucketArn}/*`],
      Condition: {
        Null: { 's3:RequestObjectTagKeys': 'false' },
        ...exceptRoles([scannerRoleArn]),
      },
    },
  ];
}

/**
 * What the local scanner's role may do, as the deployed plan role: read the scanned objects and tag
 * them with the result, and list the bucket (so a deleted object reads 404, not 403).
 */
export function buildScannerPolicy(
  bucketArn: string,
  settings: Pick<ScanSettings, 'prefixes'>,
): {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
} {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ScanAndTagObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObjectTagging'],
        Resource: scannedObjectArns(bucketArn, settings),
      },
      { Sid: 'CheckBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] },
    ],
  };
}
