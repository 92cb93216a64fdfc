/**
 * The identity pool's roles exactly as `cdk synth` writes them, made evaluable: synthesizes the app
 * through `synth.ts` (the same path as `cdk synth`), finds the roles that Cognito identities assume
 * (authenticated, and unauthenticated for guests), checks that each one's inline policy is its
 * whole permission set, and resolves the CloudFormation intrinsics in it (`Ref`, `Fn::GetAtt`,
 * `Fn::Join`) against concrete names. The policy tests then judge what is deployed, not what the
 * builders return.
 */
import { type CfnResource, Stack } from 'aws-cdk-lib';
import type {
  ConditionBlock,
  IdentityKind,
  PolicyDocument,
  PolicyStatement,
} from '../../shared/policy/access-policy';
import { synthesize } from './synth';

export interface SynthesizedRole {
  /** The role's inline policy, intrinsics resolved, scalars written as one-element lists. */
  readonly policy: PolicyDocument;
  /** The trust policy's one statement, intrinsics resolved. */
  readonly trust: {
    readonly principal: unknown;
    readonly action: unknown;
    readonly condition: ConditionBlock;
  };
  /** `MaxSessionDuration`, in seconds. */
  readonly maxSessionDuration: unknown;
  readonly bucketName: string;
  readonly identityPoolId: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** The concrete ARN each role's `Ref`/`Arn` resolve to. */
export const ROLE_ARNS: Record<IdentityKind, string> = {
  authenticated: 'arn:aws:iam::000000000000:role/authenticated',
  unauthenticated: 'arn:aws:iam::000000000000:role/unauthenticated',
};
export const AUTHENTICATED_ROLE_ARN = ROLE_ARNS.authenticated;

type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

/**
 * Synthesizes the app (guest access on, its default); the bucket and the identity pool get the
 * given concrete names. Both roles, each checked to be the one the pool attaches for its kind.
 */
export function synthesizeIdentityRoles(
  bucketName: string,
  identityPoolId = 'us-east-1:00000000-0000-4000-8000-000000000000',
  accessMode: 'sealed' | 'direct' = 'sealed',
): Record<IdentityKind, SynthesizedRole> {
  // No bundling: the function's code does not change the roles, and esbuild would only slow this.
  const { stack, template } = synthesize({ bundle: false, context: { accessMode } });
  const resources = template.toJSON().Resources as Resources;

  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    Stack.of(stack).getLogicalId(construct.node.defaultChild as CfnResource);
  const { unauthenticatedRole } = stack.userFiles;
  if (!unauthenticatedRole) throw new Error('guest access is on by default: no unauthenticated role');
  const roleIds: Record<IdentityKind, string> = {
    authenticated: logicalId(stack.userFiles.authenticatedRole),
    unauthenticated: logicalId(unauthenticatedRole),
  };
  const names: Record<string, { Ref: string; Arn?: string }> = {
    [logicalId(stack.userFiles.bucket)]: { Ref: bucketName, Arn: `arn:aws:s3:::${bucketName}` },
    [Stack.of(stack).getLogicalId(stack.userFiles.identityPool)]: { Ref: identityPoolId },
    [roleIds.authenticated]: { Ref: 'authenticated', Arn: ROLE_ARNS.authenticated },
    [roleIds.unauthenticated]: { Ref: 'unauthenticated', Arn: ROLE_ARNS.unauthenticated },
  };
  assertAttachedRoles(resources, names);
  const role = (kind: IdentityKind) => ({
    ...judgedRole(resources, roleIds[kind], names),
    bucketName,
    identityPoolId,
  });
  return { authenticated: role('authenticated'), unauthenticated: role('unauthenticated') };
}

/** The authenticated role of `synthesizeIdentityRoles`. */
export function synthesizeAuthenticatedRole(
  bucketName: string,
  identityPoolId?: string,
  accessMode?: 'sealed' | 'direct',
): SynthesizedRole {
  return synthesizeIdentityRoles(bucketName, identityPoolId, accessMode).authenticated;
}

/** The roles judged here must be the ones the identity pool hands to each kind of identity. */
function assertAttachedRoles(resources: Resources, names: Record<string, { Ref: string; Arn?: string }>) {
  const attachments = Object.values(resources).filter(
    (resource) => resource.Type === 'AWS::Cognito::IdentityPoolRoleAttachment',
  );
  const attached = attachments.map((resource) => resolve(resource.Properties?.Roles ?? null, names));
  if (attachments.length !== 1 || JSON.stringify(attached) !== JSON.stringify([ROLE_ARNS])) {
    throw new Error(`the identity pool's roles are not the ones judged: ${JSON.stringify(attached)}`);
  }
}

/** One role's resolved inline policy and trust statement. */
function judgedRole(
  resources: Resources,
  roleId: string,
  names: Record<string, { Ref: string; Arn?: string }>,
): Omit<SynthesizedRole, 'bucketName' | 'identityPoolId'> {
  const role = resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`no role ${roleId} in the template`);
  assertOnlyInlinePolicy(resources, roleId, role.Properties ?? {});
  const inline = role.Properties?.Policies as { PolicyDocument: Json }[];
  const trustDocument = resolve(role.Properties?.AssumeRolePolicyDocument ?? null, names) as {
    Statement: { Principal: unknown; Action: unknown; Condition: ConditionBlock }[];
  };
  if (trustDocument.Statement.length !== 1) throw new Error('the trust policy must have one statement');
  const [trust] = trustDocument.Statement as [(typeof trustDocument.Statement)[number]];
  return {
    policy: canonicalPolicy(resolve((inline[0] as { PolicyDocument: Json }).PolicyDocument, names)),
    trust: { principal: trust.Principal, action: trust.Action, condition: trust.Condition },
    maxSessionDuration: role.Properties?.MaxSessionDuration,
  };
}

/**
 * The inline policy is the role's whole permission set only if nothing else grants it anything:
 * no managed policies, no boundary, no separate `AWS::IAM::Policy` attached to it.
 */
function assertOnlyInlinePolicy(
  resources: Resources,
  roleId: string,
  properties: Record<string, Json>,
): void {
  const policies = properties.Policies;
  if (!Array.isArray(policies) || policies.length !== 1) {
    throw new Error(`the role ${roleId} must have exactly one inline policy`);
  }
  if (properties.ManagedPolicyArns !== undefined || properties.PermissionsBoundary !== undefined) {
    throw new Error(`the role ${roleId} must not have managed policies or a boundary`);
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (!['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(resource.Type)) continue;
    if (JSON.stringify(resource.Properties?.Roles ?? []).includes(`"${roleId}"`)) {
      throw new Error(`${id} attaches more permissions to the role ${roleId}`);
    }
  }
}

/** Resolves the intrinsics a policy of this stack may hold; anything else is an error, not a guess. */
export function resolve(value: Json, names: Record<string, { Ref: string; Arn?: string }>): Json {
  if (Array.isArray(value)) return value.map((item) => resolve(item, names));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === 'Ref') {
    const target = value.Ref as string;
    if (target === 'AWS::Partition') return 'aws';
    const name = names[target]?.Ref;
    if (name === undefined) throw new Error(`unresolvable Ref ${target}`);
    return name;
  }
  if (only === 'Fn::GetAtt') {
    const [target, attribute] = value['Fn::GetAtt'] as [string, string];
    const resolved = attribute === 'Arn' ? names[target]?.Arn : undefined;
    if (resolved === undefined) throw new Error(`unresolvable Fn::GetAtt ${target}.${attribute}`);
    return resolved;
  }
  if (only === 'Fn::Join') {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map((part) => resolve(part, names)).join(separator);
  }
  if (only?.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${only}`);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, names)]));
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value : [value]) as string[];

/**
 * IAM reads `"x"` and `["x"]` alike, and CDK writes one-element lists as scalars; this writes every
 * Action, Resource and condition value as a list so documents compare by meaning.
 */
export function canonicalPolicy(document: Json): PolicyDocument {
  const { Version, Statement } = document as { Version: string; Statement: Record<string, unknown>[] };
  if (Version !== '2012-10-17') throw new Error(`unexpected policy version ${Version}`);
  return {
    Version,
    Statement: asList(Statement).map((raw): PolicyStatement => {
      const statement = raw as unknown as Record<string, unknown>;
      const known = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition']);
      const unknown = Object.keys(statement).filter((key) => !known.has(key));
      if (unknown.length > 0) throw new Error(`unexpected statement elements ${unknown.join(', ')}`);
      const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
      return {
        Sid: statement.Sid as string,
        Effect: statement.Effect as 'Allow' | 'Deny',
        Action: asList(statement.Action),
        Resource: asList(statement.Resource),
        ...(condition === undefined
          ? {}
          : {
              Condition: Object.fromEntries(
                Object.entries(condition).map(([operator, keys]) => [
                  operator,
                  Object.fromEntries(Object.entries(keys).map(([key, values]) => [key, asList(values)])),
                ]),
              ),
            }),
      };
    }),
  };
}
