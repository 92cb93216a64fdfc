/**
 * The S3 door's authorization step: the checks a parsed request needs (action, resource, condition
 * keys) are put to the IAM policy engine with the role policy of the identity that signed it, and
 * with the condition keys IAM sets for every request of a Cognito identity's session.
 */
import type { CredentialStore } from '../core/credential-store';
import { isAllowed } from '../core/policy-engine';
import type { VerifiedSignature } from '../core/sigv4-verify';
import { accessDenied } from './errors';

export interface AuthorizationCheck {
  readonly action: string;
  readonly resource: string;
  /** Condition keys specific to this check (on top of the request's common keys). */
  readonly context: Readonly<Record<string, string | string[]>>;
  /** For DeleteObjects: the key this check is about. */
  readonly key?: string;
}

/** Who is asking, and the condition keys of their request: what every check is judged with. */
export interface Principal {
  readonly store: CredentialStore;
  readonly verified: VerifiedSignature;
  readonly conditions: Readonly<Record<string, string | string[]>>;
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

/** Each check's verdict, in order; all false when the credentials have no policy (anymore). */
export async function authorize(
  principal: Principal,
  checks: readonly AuthorizationCheck[],
): Promise<boolean[]> {
  const policy = principal.store.policyFor(principal.verified.credentials);
  if (!policy) return checks.map(() => false);
  return Promise.all(
    checks.map((check) =>
      isAllowed({
        policy,
        action: check.action,
        resource: check.resource,
        context: { ...principal.conditions, ...check.context },
      }),
    ),
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
