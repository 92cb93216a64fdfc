/**
 * `AssumeRoleWithWebIdentity`: validates the parameters, verifies the identity service's token,
 * requires the role to be one of the roles of the token's pool (authenticated or unauthenticated)
 * and that role's trust policy to allow the token's claims, bounds the session by the role's
 * maximum, and mints credentials for that role, bound to the token's identity (carrying its `amr`
 * and, as session tags, its principal tags), into the credential store.
 *
 * Which kind of token may assume which role is the trust policy's decision alone (its `amr`
 * condition), evaluated by the policy engine: nothing here compares `amr` to the role. So is
 * whether a token's tags may tag the session (`sts:TagSession` in the trust).
 */
import type { KeyObject } from 'node:crypto';
import { XmlNode } from '@aws-sdk/xml-builder';
import {
  type CredentialStore,
  CredentialStoreFullError,
  type IdentityPool,
  type IssuedCredentials,
  type PoolRole,
} from '../core/credential-store';
import { caseInsensitiveDuplicate, type SessionTags } from '../core/session-tags';
import { accessDenied, invalidParameterValue, StsError, validationError } from './errors';
import { COGNITO_PRINCIPAL, trusts } from './trust-policy';
import { type TokenClaims, verifyOpenIdToken } from './web-identity-token';

/** STS's own bounds on DurationSeconds. */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

interface AssumeRoleRequest {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly token: string;
  readonly duration: number;
}

/** Runs the action; returns its `AssumeRoleWithWebIdentityResult` element. */
export async function assumeRoleWithWebIdentity(
  params: URLSearchParams,
  store: CredentialStore,
  openIdKey: KeyObject,
): Promise<XmlNode> {
  const request = parseRequest(params);
  const claims = verifyOpenIdToken(request.token, openIdKey, Math.floor(Date.now() / 1000));
  checkSessionTags(claims.principalTags ?? {});
  const { pool, role } = await trustingRole(store, request, claims);
  return resultOf(request, claims, issue(store, pool, role, request, claims));
}

function issue(
  store: CredentialStore,
  pool: IdentityPool,
  role: PoolRole,
  request: AssumeRoleRequest,
  claims: TokenClaims,
): IssuedCredentials {
  try {
    return store.issueCredentials({
      identityId: claims.sub,
      identityPoolId: pool.id,
      amr: claims.amr,
      // The role the trust policy admitted, whatever the token's amr says.
      roleArn: role.arn,
      lifetimeSeconds: request.duration,
      ...(claims.principalTags ? { principalTags: claims.principalTags } : {}),
    });
  } catch (error) {
    // A full store (or the guests' share of it) is a load STS answers as throttling.
    if (error instanceof CredentialStoreFullError) throw new StsError('Throttling', 'Rate exceeded');
    throw error;
  }
}

/**
 * What STS refuses of any session's tags, whoever allows them: keys equal but for case (IAM reads
 * `aws:PrincipalTag/<key>` case-insensitively, so which value applies would be ambiguous) and keys
 * in AWS's reserved `aws:` namespace.
 */
function checkSessionTags(tags: SessionTags): void {
  if (caseInsensitiveDuplicate(tags) !== undefined) {
    throw invalidParameterValue('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  }
  if (Object.keys(tags).some((key) => key.toLowerCase().startsWith('aws:'))) {
    throw invalidParameterValue('Tag keys may not begin with the reserved prefix aws:');
  }
}

/** The action's parameters, checked in the order and wording STS uses. */
function parseRequest(params: URLSearchParams): AssumeRoleRequest {
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  const token = params.get('WebIdentityToken') ?? '';
  const durationText = params.get('DurationSeconds');
  if (roleArn.length < 20 || !roleArn.startsWith('arn:')) {
    throw validationError(
      "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
  }
  if (!SESSION_NAME.test(sessionName)) {
    throw validationError(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  if (token.length < 4 || token.length > 20_000) {
    throw validationError(
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4",
    );
  }
  const duration = durationText === null ? 3600 : Number(durationText);
  if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS) {
    throw validationError(
      `1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${
        duration < MIN_DURATION_SECONDS ? 'greater than or equal to 900' : 'less than or equal to 43200'
      }`,
    );
  }
  return { roleArn, sessionName, token, duration };
}

/**
 * The pool the token's audience names and the role of it asked for, once that role's trust policy
 * allows the claims and the session fits the role's maximum.
 */
async function trustingRole(
  store: CredentialStore,
  request: AssumeRoleRequest,
  claims: TokenClaims,
): Promise<{ pool: IdentityPool; role: PoolRole }> {
  const pool: IdentityPool | undefined = store.getIdentityPool(claims.aud);
  const role =
    pool && [pool.authenticatedRole, pool.unauthenticatedRole].find((r) => r?.arn === request.roleArn);
  if (!pool || !role?.trustPolicy || !(await trusts(role.trustPolicy, request.roleArn, claims))) {
    throw accessDenied();
  }
  if (request.duration > (role.maxSessionDurationSeconds ?? 3600)) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return { pool, role };
}

function resultOf(request: AssumeRoleRequest, claims: TokenClaims, issued: IssuedCredentials): XmlNode {
  const { roleArn, sessionName } = request;
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const account = roleArn.split(':')[4] ?? '000000000000';
  return new XmlNode('AssumeRoleWithWebIdentityResult')
    .addChildNode(XmlNode.of('SubjectFromWebIdentityToken', claims.sub))
    .addChildNode(XmlNode.of('Audience', claims.aud))
    .addChildNode(
      new XmlNode('AssumedRoleUser')
        .addChildNode(XmlNode.of('Arn', `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`))
        .addChildNode(XmlNode.of('AssumedRoleId', `AROALOCAL${roleName.length}:${sessionName}`)),
    )
    .addChildNode(
      new XmlNode('Credentials')
        .addChildNode(XmlNode.of('AccessKeyId', issued.accessKeyId))
        .addChildNode(XmlNode.of('SecretAccessKey', issued.secretAccessKey))
        .addChildNode(XmlNode.of('SessionToken', issued.sessionToken))
        .addChildNode(XmlNode.of('Expiration', issued.expiration.toISOString())),
    )
    .addChildNode(XmlNode.of('Provider', COGNITO_PRINCIPAL));
}
