/**
 * The identity pool's role policies: the documents that decide what each user (authenticated
 * role) and each guest (unauthenticated role) may do in S3. Built here once, from the bucket ARN, and used unchanged by the CDK
 * stack (`lib/`) and by the local stack's S3 gateway (`local/`), so what is deployed is what is
 * enforced locally. Pure: plain JSON, no CDK or SDK types, so `bucketArn` may be a CDK token.
 */

import { GROUP_TAG_SLOTS, groupTagKey } from '../domain/groups';

/** The IAM policy variable that S3 replaces with the caller's Cognito identity ID. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template.
export const IDENTITY_ID_VARIABLE = '${cognito-identity.amazonaws.com:sub}';

export const COGNITO_IDENTITY_PRINCIPAL = 'cognito-identity.amazonaws.com';

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

export interface AccessPolicyProps {
  /** ARN of the storage bucket, `arn:{partition}:s3:::{name}` (a CDK token is fine). */
  readonly bucketArn: string;
  /**
   * Replaces the identity variable; tests set it to `*` to prove the matrix fails without it.
   * @default IDENTITY_ID_VARIABLE
   */
  readonly identityVariable?: string;
  /**
   * Replaces each group slot's tag variable; tests set it to `*` to prove non-members are refused
   * only by the tags. @default `${aws:PrincipalTag/group<slot>}`
   */
  readonly groupVariable?: (slot: number) => string;
}

/** The policy variable S3 replaces with a session tag of the caller's session; absent, it matches nothing. */
export const principalTagVariable = (key: string) => `\${aws:PrincipalTag/${key}}`;

/**
 * Reading an object's tags goes with reading it: the scan status (`GuardDutyMalwareScanStatus`) of
 * what a caller may read, which storage serves only once clean. Nobody but the scanner writes tags.
 */
export const READ_ACTIONS = ['s3:GetObject', 's3:GetObjectTagging'];

/** Object actions an owner may take in its own folder, in every level. */
const OWNER_OBJECT_ACTIONS = [
  ...READ_ACTIONS,
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

export function buildAuthenticatedRolePolicy(props: AccessPolicyProps): PolicyDocument {
  const { bucketArn } = props;
  const id = props.identityVariable ?? IDENTITY_ID_VARIABLE;
  return {
    Version: '2012-10-17',
    Statement: [
      ...levelStatements(bucketArn, id),
      ...groupStatements(
        bucketArn,
        props.groupVariable ?? ((slot) => principalTagVariable(groupTagKey(slot))),
      ),
    ],
  };
}

/**
 * Team folders, one per session-tag slot: a session carries its groups as tags (`group0`…), minted
 * only by the function from the verified `cognito:groups` claim. A slot without a tag resolves to
 * nothing and matches nothing, so a session minted without tags reaches no group (fails closed).
 */
function groupStatements(bucketArn: string, variable: (slot: number) => string): PolicyStatement[] {
  const slots = Array.from({ length: GROUP_TAG_SLOTS }, (_, slot) => variable(slot));
  return [
    {
      Sid: 'GroupFolderObjects',
      Effect: 'Allow',
      Action: OWNER_OBJECT_ACTIONS,
      Resource: slots.map((group) => `${bucketArn}/groups/${group}/*`),
    },
    {
      // The group's own folder only: `groups/` and other groups' folders stay unlistable.
      Sid: 'ListGroupFolders',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: {
        StringLike: { 's3:prefix': slots.flatMap((group) => [`groups/${group}/`, `groups/${group}/*`]) },
      },
    },
  ];
}

/** The levels keyed by identity: own folders, reads of others' shared files, one-owner listings. */
function levelStatements(bucketArn: string, id: string): PolicyStatement[] {
  return [
    {
      // Writes and deletes only ever in the caller's own folder, in every level: unlike the
      // common Amplify policy, nobody can overwrite or delete another user's public files.
      Sid: 'OwnFolderObjects',
      Effect: 'Allow',
      Action: OWNER_OBJECT_ACTIONS,
      Resource: [
        `${bucketArn}/private/${id}/*`,
        `${bucketArn}/protected/${id}/*`,
        `${bucketArn}/public/${id}/*`,
        // The caller's outgoing shares, `shared/{owner}/{grantee}/{path}`.
        `${bucketArn}/shared/${id}/*`,
      ],
    },
    {
      // The second resource is what others share with the caller. IAM's `*` crosses `/`, so it
      // also matches a key whose path holds the caller's identity ID as a segment: the API
      // refuses such segments in this level.
      Sid: 'ReadSharedObjects',
      Effect: 'Allow',
      Action: READ_ACTIONS,
      Resource: [`${bucketArn}/protected/*`, `${bucketArn}/public/*`, `${bucketArn}/shared/*/${id}/*`],
    },
    {
      // Listing is an action on the bucket, so it is scoped by the s3:prefix condition. Absent
      // prefix (the bucket root) matches nothing, so it is refused.
      Sid: 'ListOwnPrivateAndSharingFolders',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: { StringLike: { 's3:prefix': [`private/${id}/*`, `shared/${id}/*`] } },
    },
    {
      // One named owner's folder at a time: the prefix must reach past `{level}/{owner}/`, so
      // nobody can list `protected/` or `public/` themselves and enumerate the owners.
      Sid: 'ListOneOwnersSharedFolder',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: { StringLike: { 's3:prefix': ['protected/*/*', 'public/*/*'] } },
    },
    {
      // What one named owner shares with the caller: the prefix must name an owner and end in
      // the caller's own segment, so `shared/` and `shared/{owner}/` stay unlistable.
      Sid: 'ListOneOwnersSharesWithMe',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn],
      Condition: { StringLike: { 's3:prefix': [`shared/*/${id}/`, `shared/*/${id}/*`] } },
    },
  ];
}

/**
 * The unauthenticated (guest) role: read `public` objects and list one named owner's `public`
 * folder, under the same prefix rule as signed-in users (never `public/` itself, so owners cannot be
 * enumerated). No write, no delete, no multipart, nothing in any other level.
 */
export function buildUnauthenticatedRolePolicy(props: Pick<AccessPolicyProps, 'bucketArn'>): PolicyDocument {
  const { bucketArn } = props;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GuestReadPublicObjects',
        Effect: 'Allow',
        Action: READ_ACTIONS,
        Resource: [`${bucketArn}/public/*`],
      },
      {
        Sid: 'GuestListOneOwnersPublicFolder',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: { StringLike: { 's3:prefix': ['public/*/*'] } },
      },
    ],
  };
}

/** The `amr` value of each role: a token must carry its role's value to assume it. */
export type IdentityKind = 'authenticated' | 'unauthenticated';

/**
 * Conditions of a role's trust policy (`sts:AssumeRoleWithWebIdentity`): a token of this identity
 * pool whose `amr` holds the role's kind, so a guest token can never assume the authenticated role
 * (nor a user's token the guest role).
 */
export function roleTrustConditions(identityPoolId: string, kind: IdentityKind): ConditionBlock {
  return {
    StringEquals: { [`${COGNITO_IDENTITY_PRINCIPAL}:aud`]: identityPoolId },
    'ForAnyValue:StringLike': { [`${COGNITO_IDENTITY_PRINCIPAL}:amr`]: kind },
  };
}

/**
 * What the authenticated role's trust allows a token of its pool: the assume-role itself and, for a
 * token that carries principal tags (the caller's groups, `group0`…), `sts:TagSession`, without
 * which STS refuses such a token. Same conditions for both. The unauthenticated role's trust allows
 * the assume-role alone: a guest's token carries no tags.
 */
export const AUTHENTICATED_TRUST_ACTIONS = ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] as const;

/** Conditions of the authenticated role's trust policy. */
export const authenticatedRoleTrustConditions = (identityPoolId: string): ConditionBlock =>
  roleTrustConditions(identityPoolId, 'authenticated');
