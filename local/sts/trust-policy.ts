/**
 * Evaluation of a role's trust policy for a web identity: the statements that trust Cognito
 * Identity, judged by the policy engine on the token's `aud` (the pool), `sub` and `amr`.
 */
import type { TrustPolicyDocument } from '../core/credential-store';
import { evaluate } from '../core/policy-engine';
import type { TokenClaims } from './web-identity-token';

/** The federated principal (and STS provider) of Cognito Identity's tokens. */
export const COGNITO_PRINCIPAL = 'cognito-identity.amazonaws.com';

/** The trust policy's statements as an identity policy on the role, once the principal matched. */
export async function trusts(
  trust: TrustPolicyDocument,
  roleArn: string,
  claims: TokenClaims,
): Promise<boolean> {
  const statements = trust.Statement.filter(
    (statement) => statement.Principal.Federated === COGNITO_PRINCIPAL,
  ).map((statement, index) => ({
    Sid: `Trust${index}`,
    Effect: statement.Effect,
    Action: [statement.Action],
    Resource: [roleArn],
    ...(statement.Condition ? { Condition: statement.Condition } : {}),
  }));
  if (statements.length === 0) return false;
  const decision = await evaluate({
    policy: { Version: '2012-10-17', Statement: statements },
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: roleArn,
    context: {
      [`${COGNITO_PRINCIPAL}:aud`]: claims.aud,
      [`${COGNITO_PRINCIPAL}:sub`]: claims.sub,
      [`${COGNITO_PRINCIPAL}:amr`]: claims.amr,
    },
  });
  return decision === 'Allowed';
}
