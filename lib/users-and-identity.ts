import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { AccessMode } from '../shared/contract/environment';
import { dynamoDbActions, TABLE_GRANTS, USER_POOL_GRANTS, userPoolActions } from '../shared/contract/grants';
import { GROUP_TAG_SLOTS, groupTagKey } from '../shared/domain/groups';
import {
  buildAuthenticatedRolePolicy,
  buildUnauthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  IDENTITY_ID_VARIABLE,
  type IdentityKind,
  type PolicyDocument,
  principalTagVariable,
  READ_ACTIONS,
  roleTrustConditions,
} from '../shared/policy/access-policy';

/**
 * `sealed`: only the API function can obtain storage credentials (a developer provider).
 * `direct`: the user pool is the identity pool's login provider, so users may reach S3 themselves.
 */
export type { AccessMode } from '../shared/contract/environment';

export interface UsersAndIdentityProps {
  /** The files bucket the authenticated role's policy is about. */
  readonly bucket: s3.Bucket;
  /** Decides the identity pool's login provider and whether the identity directory exists. */
  readonly accessMode: AccessMode;
  /** Both roles' maximum session duration (1 to 12 hours). */
  readonly sessionDuration: Duration;
  /** Unauthenticated identities and their role (read `public` only); `false`: neither. */
  readonly guestAccess: boolean;
  /** Applies to the user pool and the identity directory; `DESTROY` also lifts deletion protection. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Who the users are and what they may touch: the user pool and its app client, the identity pool,
 * its authenticated role (trust and the policy `buildAuthenticatedRolePolicy` builds: the whole
 * access model), with guest access its unauthenticated role (`buildUnauthenticatedRolePolicy`),
 * and in direct mode the sub-to-identity directory. Adds them to `scope` under the
 * IDs they have always had: replacing the user pool or identity pool would lose every user and
 * every identity ID (the users' folder names).
 */
export class UsersAndIdentity {
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  /** Sealed mode: the identity pool's developer provider name, `user-files.{stackName}`. */
  public readonly developerProviderName?: string;
  public readonly identityPool: cognito.CfnIdentityPool;
  /** The role every signed-in identity assumes; its policy is the whole access model. */
  public readonly authenticatedRole: iam.Role;
  /** Guest access only: the role of unauthenticated identities, which reads `public` and nothing else. */
  public readonly unauthenticatedRole?: iam.Role;
  public readonly identityPoolRoleAttachment: cognito.CfnIdentityPoolRoleAttachment;
  /**
   * Direct mode only: the sub-to-identity directory, `{userPoolId}#{sub}` to identity ID, so a
   * returning user on a cold function instance costs no Cognito `GetId` (a low, account-wide
   * quota). Sealed mode needs none: the developer login yields the identity ID.
   */
  public readonly identityDirectory?: dynamodb.Table;

  constructor(scope: Construct, props: UsersAndIdentityProps) {
    const sealed = props.accessMode === 'sealed';
    this.userPool = userPool(scope, props.removalPolicy);
    this.userPoolClient = appClient(this.userPool);
    if (sealed) this.developerProviderName = `user-files.${Stack.of(scope).stackName}`;
    this.identityPool = this.createIdentityPool(scope, props.guestAccess);
    this.authenticatedRole = authenticatedRole(scope, this.identityPool, props);
    if (props.guestAccess) this.unauthenticatedRole = unauthenticatedRole(scope, this.identityPool, props);
    this.identityPoolRoleAttachment = new cognito.CfnIdentityPoolRoleAttachment(scope, 'IdentityPoolRoles', {
      identityPoolId: this.identityPool.ref,
      roles: {
        authenticated: this.authenticatedRole.roleArn,
        ...(this.unauthenticatedRole ? { unauthenticated: this.unauthenticatedRole.roleArn } : {}),
      },
    });
    if (!sealed) this.identityDirectory = identityDirectory(scope, props.removalPolicy);
  }

  /**
   * What the API function needs of users and identities: one user's record (sharing and
   * `GET /users/{username}` name users), a group's members (asked by a member), its directory
   * entries (direct), or developer-login tokens (sealed).
   */
  grantApi(grantee: iam.IGrantable): void {
    this.identityDirectory?.grant(grantee, ...dynamoDbActions(TABLE_GRANTS.api.directory));
    this.userPool.grant(grantee, ...userPoolActions(USER_POOL_GRANTS.api));
    if (this.developerProviderName === undefined) return;
    // It can mint a token for ANY identity of this pool: the identifier it asks for is built from
    // the authorizer-verified claims in one place (lambdas/aws/identity/developer-login.ts).
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cognito-identity:GetOpenIdTokenForDeveloperIdentity'],
        resources: [
          Stack.of(this.identityPool).formatArn({
            service: 'cognito-identity',
            resource: 'identitypool',
            resourceName: this.identityPool.ref,
          }),
        ],
      }),
    );
  }

  /**
   * Sealed: a developer provider and NO user-pool provider, so a user's ID token is no login of
   * this pool (GetId, GetCredentialsForIdentity and GetOpenIdToken refuse it); only the function,
   * signing with its role, gets tokens. The classic flow lets the function assume the role through
   * STS for sessions longer than GetCredentialsForIdentity's fixed hour. With guest access it also
   * hands out unauthenticated identities, whose role reads `public` only.
   */
  private createIdentityPool(scope: Construct, guestAccess: boolean): cognito.CfnIdentityPool {
    const pool = new cognito.CfnIdentityPool(scope, 'IdentityPool', {
      allowUnauthenticatedIdentities: guestAccess,
      allowClassicFlow: true,
      ...(this.developerProviderName
        ? { developerProviderName: this.developerProviderName }
        : {
            cognitoIdentityProviders: [
              {
                providerName: this.userPool.userPoolProviderName,
                clientId: this.userPoolClient.userPoolClientId,
                // Refuse tokens of users who signed out globally or were disabled.
                serverSideTokenCheck: true,
              },
            ],
          }),
    });
    if (guestAccess) {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG7',
        reason:
          "Guest access (guestAccess) is on: anyone may read public files, so the pool hands out unauthenticated identities. Their role may only read public/* and list one named owner's public folder (buildUnauthenticatedRolePolicy); guestAccess: false turns them off.",
      });
    }
    return pool;
  }
}

function userPool(scope: Construct, removalPolicy: RemovalPolicy): cognito.UserPool {
  const pool = new cognito.UserPool(scope, 'UserPool', {
    selfSignUpEnabled: true,
    signInAliases: { email: true },
    autoVerify: { email: true },
    standardAttributes: { email: { required: true, mutable: true } },
    passwordPolicy: {
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
      tempPasswordValidity: Duration.days(3),
    },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    mfa: cognito.Mfa.OPTIONAL,
    mfaSecondFactor: { otp: true, sms: false },
    featurePlan: cognito.FeaturePlan.ESSENTIALS,
    deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
    removalPolicy,
  });
  Validations.of(pool).acknowledge(
    {
      id: 'AwsSolutions-COG2',
      reason:
        "MFA is offered (TOTP, optional) but not forced: requiring it changes the sign-up flow of every client app, which is the deployer's decision, not this construct's.",
    },
    {
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection needs the paid Plus feature plan; the pool uses Essentials so the construct deploys at no extra cost. Deployers can raise the plan on `userPool`.',
    },
  );
  return pool;
}

function appClient(pool: cognito.UserPool): cognito.UserPoolClient {
  return pool.addClient('Client', {
    // A public client (browser, mobile): it cannot keep a secret.
    generateSecret: false,
    authFlows: { userSrp: true, userPassword: true },
    disableOAuth: true,
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
    idTokenValidity: Duration.hours(1),
    accessTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.days(30),
  });
}

function authenticatedRole(
  scope: Construct,
  identityPool: cognito.CfnIdentityPool,
  props: UsersAndIdentityProps,
): iam.Role {
  const role = identityRole(scope, 'AuthenticatedRole', identityPool, props.sessionDuration, {
    kind: 'authenticated',
    description: 'Assumed by signed-in Cognito identities; scopes each user to its own S3 folders.',
    policy: buildAuthenticatedRolePolicy({ bucketArn: props.bucket.bucketArn }),
  });
  acknowledgeWildcards(role, props.bucket, {
    build: (bucketArn) => buildAuthenticatedRolePolicy({ bucketArn }),
    reason: wildcardReason,
  });
  return role;
}

/**
 * The guest role: the function assumes it for the deployment's one guest identity, and anyone
 * may obtain an unauthenticated identity of the pool, so it grants no more than the guest routes
 * serve: read `public` objects, list one named owner's `public` folder.
 */
function unauthenticatedRole(
  scope: Construct,
  identityPool: cognito.CfnIdentityPool,
  props: UsersAndIdentityProps,
): iam.Role {
  const role = identityRole(scope, 'UnauthenticatedRole', identityPool, props.sessionDuration, {
    kind: 'unauthenticated',
    description: 'Assumed by guest (unauthenticated) Cognito identities; reads public files only.',
    policy: buildUnauthenticatedRolePolicy({ bucketArn: props.bucket.bucketArn }),
  });
  acknowledgeWildcards(role, props.bucket, {
    build: (bucketArn) => buildUnauthenticatedRolePolicy({ bucketArn }),
    reason: guestWildcardReason,
  });
  return role;
}

/**
 * A role of the identity pool: trusted only by this pool's identities of one kind (a guest token
 * can never assume the authenticated role, nor a user's the guest role), with one inline policy
 * that is its whole permission set. Only the authenticated role takes session tags.
 */
function identityRole(
  scope: Construct,
  id: string,
  identityPool: cognito.CfnIdentityPool,
  sessionDuration: Duration,
  role: { readonly kind: IdentityKind; readonly description: string; readonly policy: PolicyDocument },
): iam.Role {
  return new iam.Role(scope, id, {
    description: role.description,
    maxSessionDuration: sessionDuration,
    assumedBy: trustedBy(identityPool, role.kind),
    inlinePolicies: { UserFiles: iam.PolicyDocument.fromJson(role.policy) },
  });
}

/**
 * The trust: `sts:AssumeRoleWithWebIdentity` under the kind's conditions; for the authenticated role
 * also `sts:TagSession` in the same statement, under the same conditions
 * (`AUTHENTICATED_TRUST_ACTIONS`), since STS refuses a token carrying group tags without it. The
 * guest role's trust takes no tags, so no guest session can claim a group (docs/decisions.md#25).
 */
function trustedBy(identityPool: cognito.CfnIdentityPool, kind: IdentityKind): iam.IPrincipal {
  const principal = new iam.FederatedPrincipal(
    COGNITO_IDENTITY_PRINCIPAL,
    roleTrustConditions(identityPool.ref, kind),
    'sts:AssumeRoleWithWebIdentity',
  );
  return kind === 'authenticated' ? principal.withSessionTags() : principal;
}

/**
 * cdk-nag's IAM5 reports every wildcard resource of an identity role. Each one is part of the
 * access model (docs/architecture.md, "Storage layout"); anything else a builder might add stays
 * reported. The builder is run again on the bucket ARN as cdk-nag writes it, to name the findings.
 */
function acknowledgeWildcards(
  role: iam.Role,
  bucket: s3.Bucket,
  policy: { readonly build: (bucketArn: string) => PolicyDocument; readonly reason: WildcardReason },
): void {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  const nagBucketArn = `<${Stack.of(bucket).getLogicalId(cfnBucket)}.Arn>`;
  // cdk-nag writes policy variables as `<name>` in finding IDs.
  const findingId = (resource: string) =>
    `AwsSolutions-IAM5[Resource::${resource.replace(/\$\{([^}]+)\}/g, '<$1>')}]`;
  for (const statement of policy.build(nagBucketArn).Statement) {
    // Reading an object and its tags (the scan status) is read-only.
    const readOnly = statement.Action.every((action) => READ_ACTIONS.includes(action));
    for (const resource of statement.Resource) {
      const reason = policy.reason(nagBucketArn, resource, readOnly);
      if (reason) Validations.of(role).acknowledge({ id: findingId(resource), reason });
    }
  }
}

/** Why one wildcard resource of a role's policy is intended; undefined: not one of them. */
type WildcardReason = (bucketArn: string, resource: string, readOnly: boolean) => string | undefined;

/**
 * The authenticated role's wildcards: the caller's own folders, shares with it, reading others',
 * and its groups' folders.
 */
function wildcardReason(bucketArn: string, resource: string, readOnly: boolean): string | undefined {
  const ownFolder = `/${IDENTITY_ID_VARIABLE}/*`;
  const groupTag = groupFolderTag(bucketArn, resource);
  if (groupTag) {
    return `Objects under one of the caller's team folders (groups/{group}/...): the group is the session tag ${groupTag}, which only the API function sets (sealed mode), from the verified cognito:groups claim; a session without the tag matches nothing, and a group name holds no "/" or "*".`;
  }
  if (resource === `${bucketArn}/shared/*${ownFolder}` && readOnly) {
    return `Read-only access to what any owner shares with the caller (shared/{owner}/{caller}/...), bound to the caller by the ${IDENTITY_ID_VARIABLE} policy variable; the API refuses identity-shaped path segments in this level, since the wildcard spans "/".`;
  }
  if (resource.endsWith(ownFolder)) {
    return `Objects under the caller's own folder: the path is bound to the caller by the ${IDENTITY_ID_VARIABLE} policy variable, which S3 resolves per request.`;
  }
  if ([`${bucketArn}/protected/*`, `${bucketArn}/public/*`].includes(resource) && readOnly) {
    return 'Read-only access to protected and public files of any owner, as the access model requires (docs/architecture.md); listing them stays limited to one named owner by s3:prefix conditions.';
  }
  return undefined;
}

/** The session tag variable of a group-folder resource (`groups/${aws:PrincipalTag/groupN}/*`), if it is one. */
function groupFolderTag(bucketArn: string, resource: string): string | undefined {
  const tags = Array.from({ length: GROUP_TAG_SLOTS }, (_, slot) => principalTagVariable(groupTagKey(slot)));
  return tags.find((tag) => resource === `${bucketArn}/groups/${tag}/*`);
}

/** The guest role's one wildcard: reading any owner's `public` files, which is what a link serves. */
function guestWildcardReason(bucketArn: string, resource: string, readOnly: boolean): string | undefined {
  if (resource === `${bucketArn}/public/*` && readOnly) {
    return 'Guests read public files of any owner: that is what a permanent link serves. Listing stays limited to one named owner by an s3:prefix condition, and no other level is reachable.';
  }
  return undefined;
}

/**
 * Holds no secret (an identity ID grants nothing without the user's token), but it is user data:
 * encrypted, recoverable, and kept unless the deployer says otherwise.
 */
function identityDirectory(scope: Construct, removalPolicy: RemovalPolicy): dynamodb.Table {
  return new dynamodb.Table(scope, 'IdentityDirectory', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy,
  });
}
