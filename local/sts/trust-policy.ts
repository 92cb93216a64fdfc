/**
 * Evaluation of a role's trust policy for a web identity: the statements that trust Cognito
 * Identity, judged by the policy engine on the token's `aud` (the pool), `sub` and `amr`. A token
 * with principal tags asks for a tagged session, so the trust must also allow `sts:TagSession`
 * for it, judged with the request's tags (`aws:RequestTag/<key>`, `aws:TagKeys`), as STS does.
 */

import type { PolicyDocument } from '../../shared/policy/access-policy';
import type { TrustPolicyDocument } from '../core/credential-store';
import { evaluate } from '../core/policy-engine';
import type { TokenClaims } from './web-identity-token';

/** The federated principal (and STS provider) of Cognito Identity's tokens. */
export const COGNITO_PRINCIPAL = 'cognito-identity.amazonaws.com';

/** Whether the trust admits the token: the assume-role, and for a token with tags, tagging too. */
export async function trusts(
  trust: TrustPolicyDocument,
  roleArn: string,
  claims: TokenClaims,
): Promise<boolean> {
  const policy = trustAsPolicy(trust, roleArn);
  if (!policy) return false;
  const context = requestContext(claims);
  const allows = async (action: string) =>
    (await evaluate({ policy, action, resource: roleArn, context })) === 'Allowed';
  if (!(await allows('sts:AssumeRoleWithWebIdentity'))) return false;
  return Object.keys(claims.principalTags ?? {}).length === 0 || allows('sts:TagSession');
}

/** The trust policy's statements as an identity policy on the role, once the principal matched. */
function trustAsPolicy(trust: TrustPolicyDocument, roleArn: string): PolicyDocument | undefined {
  const statements = trust.Statement.filter(
    (statement) => statement.Principal.Federated === COGNITO_PRINCIPAL,
  ).map((statement, index) => ({
    Sid: `Trust${index}`,
    Effect: statement.Effect,
    Action: typeof statement.Action === 'string' ? [statement.Action] : [...statement.Action],
    Resource: [roleArn],
    ...(statement.Condition ? { Condition: statement.Condition } : {}),
  }));
  return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
}

/** The web identity's keys, and the tags the request asks the session to carry. */
function requestContext(claims: TokenClaims): Record<string, string | string[]> {
  const tags = Object.entries(claims.principalTags ?? {});
  return {
    [`${COGNITO_PRINCIPAL}:aud`]: claims.aud,
    [`${COGNITO_PRINCIPAL}:sub`]: claims.sub,
    [`${COGNITO_PRINCIPAL}:amr`]: claims.amr,
    ...(tags.length > 0 ? { 'aws:TagKeys': tags.map(([key]) => key) } : {}),
    ...Object.fromEntries(tags.map(([key, value]) => [`aws:RequestTag/${key}`, value])),
  };
}
