/**
 * The S3 door's authorization step: the checks a parsed request needs (action, resource, condition
 * keys) are put to the IAM policy engine with the role policy of the identity that signed it, the
 * bucket's policy if it has one, and the condition keys IAM sets for every request of a Cognito
 * identity's session; a check about an existing object also with that object's tags, when a
 * policy reads them.
 */
import type { CredentialStore } from '../core/credential-store';
import { contextKeysRead, isAllowed, type ResourcePolicyDocument } from '../core/policy-engine';
import type { VerifiedSignature } from '../core/sigv4-checks';
import { accessDenied } from './errors';
import type { TagSet } from './tagging';

/** An object a check is about, as it exists: IAM judges such a check with its tags. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/** An object, or one version of it when `versionId` is given. */
export const objectRef = (bucket: string, key: string, versionId?: string): ObjectRef => ({
  bucket,
  key,
  ...(versionId === undefined ? {} : { versionId }),
});

export interface AuthorizationCheck {
  readonly action: string;
  readonly resource: string;
  /** Condition keys specific to this check (on top of the request's common keys). */
  readonly context: Readonly<Record<string, string | string[]>>;
  /** For DeleteObjects: the key this check is about. */
  readonly key?: string;
  /** The existing object read or tagged: its tags become `s3:ExistingObjectTag/<key>`. */
  readonly existingObject?: ObjectRef;
}

/** Who is asking, and the condition keys of their request: what every check is judged with. */
export interface Principal {
  readonly store: CredentialStore;
  readonly verified: VerifiedSignature;
  readonly conditions: Readonly<Record<string, string | string[]>>;
  /** The policy of a bucket, if it has one. @default none */
  readonly bucketPolicy?: (bucket: string) => ResourcePolicyDocument | undefined;
  /** An object's tags (none for a missing object); asked only when a policy reads them. @default none */
  readonly objectTags?: (object: ObjectRef) => Promise<TagSet>;
}

function accountOf(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}

/**
 * The condition keys IAM sets for every request of a Cognito identity's session, with one
 * `aws:PrincipalTag/<key>` per session tag. A tag the session lacks gets no key, so a policy
 * variable naming it resolves to nothing and its statement matches nothing, as in IAM.
 */
export function sessionConditions(
  verified: VerifiedSignature,
  region: string,
  now: number,
  sourceIp: string,
): Record<string, string | string[]> {
  const { credentials } = verified;
  return {
    'aws:SecureTransport': 'false',
    'aws:CurrentTime': new Date(now).toISOString(),
    'aws:EpochTime': String(Math.floor(now / 1000)),
    'aws:SourceIp': sourceIp,
    'aws:RequestedRegion': region,
    'aws:PrincipalArn': credentials.roleArn,
    'aws:PrincipalAccount': accountOf(credentials.roleArn),
    'aws:PrincipalType': 'AssumedRole',
    'aws:FederatedProvider': 'cognito-identity.amazonaws.com',
    'aws:TokenIssueTime': credentials.issuedAt.toISOString(),
    'aws:ViaAWSService': 'false',
    'cognito-identity.amazonaws.com:sub': credentials.identityId,
    'cognito-identity.amazonaws.com:aud': credentials.identityPoolId,
    'cognito-identity.amazonaws.com:amr': [...credentials.amr],
    's3:authType': verified.authType,
    's3:signatureversion': 'AWS4-HMAC-SHA256',
    's3:signatureAge': String(Math.max(0, now - verified.signingDate.getTime())),
    's3:x-amz-content-sha256': verified.contentSha256,
    ...Object.fromEntries(
      Object.entries(credentials.principalTags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]),
    ),
  };
}

const EXISTING_TAG_PREFIX = 's3:existingobjecttag/';

/** What IAM sets for a request about an existing object: one key per tag it has. */
function existingTagContext(tags: TagSet): Record<string, string> {
  return Object.fromEntries([...tags].map(([key, value]) => [`s3:ExistingObjectTag/${key}`, value]));
}

/** The condition keys of an existing object's tags, fetched only if a policy can read them. */
async function existingTags(
  principal: Principal,
  check: AuthorizationCheck,
  policies: Parameters<typeof contextKeysRead>[0],
): Promise<Record<string, string>> {
  if (check.existingObject === undefined) return {};
  const read = [...contextKeysRead(policies)].some((key) => key.startsWith(EXISTING_TAG_PREFIX));
  if (!read || principal.objectTags === undefined) return {};
  return existingTagContext(await principal.objectTags(check.existingObject));
}

/** `arn:aws:s3:::{bucket}[/{key}]`'s bucket. */
function bucketOf(resource: string): string {
  return resource.slice('arn:aws:s3:::'.length).split('/')[0] ?? '';
}

/** Each check's verdict, in order; all false when the credentials have no policy (anymore). */
export async function authorize(
  principal: Principal,
  checks: readonly AuthorizationCheck[],
): Promise<boolean[]> {
  const policy = principal.store.policyFor(principal.verified.credentials);
  if (!policy) return checks.map(() => false);
  return Promise.all(
    checks.map(async (check) => {
      const resourcePolicy = principal.bucketPolicy?.(bucketOf(check.resource));
      const policies = { policy, ...(resourcePolicy ? { resourcePolicy } : {}) };
      const tags = await existingTags(principal, check, policies);
      return isAllowed({
        ...policies,
        action: check.action,
        resource: check.resource,
        context: { ...principal.conditions, ...check.context, ...tags },
      });
    }),
  );
}

/** Throws S3's AccessDenied unless every check is allowed (the log learns which were not). */
export async function authorizeAll(
  principal: Principal,
  checks: readonly AuthorizationCheck[],
): Promise<void> {
  const allowed = await authorize(principal, checks);
  if (allowed.includes(false)) {
    const denied = checks.filter((_, index) => !allowed[index]).map((check) => check.action);
    throw accessDenied('Access Denied', {}, `policy denies ${denied.join(', ')}`);
  }
}
