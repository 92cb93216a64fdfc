/**
 * The isolation matrix, as data: who may do what in whose folder. Shared by the
 * policy tests of the synthesized policy and by the mutation proof, so both judge the same cases.
 */
import { isAllowed } from '../../local/core/policy-engine';
import { groupTags, sessionGroups } from '../../shared/domain/groups';
import type { Level } from '../../shared/domain/keys';
import type { PolicyDocument } from '../../shared/policy/access-policy';

export const BUCKET_NAME = 'user-files-policy-test';
export const BUCKET_ARN = `arn:aws:s3:::${BUCKET_NAME}`;
export const IDENTITY_POOL_ID = 'us-east-1:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

export const IDENTITIES = {
  A: 'us-east-1:1b7c9d2e-3f40-4a51-9b62-7c83d94ea5f6',
  B: 'us-east-1:8e2f0a1b-6c3d-4e5f-a071-b2c3d4e5f607',
  /** A third user, for the `shared` level: neither the owner nor the grantee of A's shares with B. */
  C: 'eu-west-1:3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
} as const;
export type Caller = keyof typeof IDENTITIES;

export const OBJECT_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
] as const;
export type ObjectAction = (typeof OBJECT_ACTIONS)[number];

/**
 * The levels keyed by identity, `{level}/{identityId}/{path}`, named here rather than taken from the
 * domain's list of levels: `groups` is keyed by group (GROUP_OBJECT_CASES below), not by identity.
 */
export const IDENTITY_LEVELS = ['private', 'protected', 'public'] as const satisfies readonly Level[];

/** The context IAM fills for a Cognito identity's credentials, plus the request's own keys. */
export function identityContext(
  caller: Caller,
  extra: Record<string, string> = {},
): Record<string, string | string[]> {
  return {
    'cognito-identity.amazonaws.com:sub': IDENTITIES[caller],
    'cognito-identity.amazonaws.com:aud': IDENTITY_POOL_ID,
    'cognito-identity.amazonaws.com:amr': ['authenticated', 'cognito-idp.us-east-1.amazonaws.com'],
    'aws:SecureTransport': 'true',
    ...extra,
  };
}

export function other(caller: Caller): Caller {
  return caller === 'A' ? 'B' : 'A';
}

export interface ObjectCase {
  readonly caller: Caller;
  readonly action: ObjectAction;
  readonly level: Level;
  readonly folder: 'own' | 'other';
  readonly allowed: boolean;
}

/** Owners do everything in their folder; others only read protected and public. */
export const OBJECT_CASES: readonly ObjectCase[] = (['A', 'B'] as const).flatMap((caller) =>
  IDENTITY_LEVELS.flatMap((level) =>
    OBJECT_ACTIONS.flatMap((action) =>
      (['own', 'other'] as const).map((folder) => ({
        caller,
        action,
        level,
        folder,
        allowed: folder === 'own' || (action === 's3:GetObject' && level !== 'private'),
      })),
    ),
  ),
);

export function objectKey(
  c: Pick<ObjectCase, 'caller' | 'level' | 'folder'>,
  name = 'docs/report.pdf',
): string {
  const owner = c.folder === 'own' ? c.caller : other(c.caller);
  return `${c.level}/${IDENTITIES[owner]}/${name}`;
}

/** `tags`: the session's `aws:PrincipalTag/…` keys, to show they change nothing here. */
export async function objectAllowed(
  policy: PolicyDocument,
  c: ObjectCase,
  tags: Record<string, string> = {},
): Promise<boolean> {
  return isAllowed({
    policy,
    action: c.action,
    resource: `${BUCKET_ARN}/${objectKey(c)}`,
    context: identityContext(c.caller, tags),
  });
}

export interface ListCase {
  readonly name: string;
  readonly caller: Caller;
  /** Absent: a listing of the bucket root without a prefix. `{own}`/`{other}` are replaced. */
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly allowed: boolean;
}

const LIST_TEMPLATES: readonly Omit<ListCase, 'caller'>[] = [
  { name: 'bucket root, no prefix', allowed: false },
  { name: 'bucket root, no prefix, delimiter', delimiter: '/', allowed: false },
  { name: 'empty prefix', prefix: '', allowed: false },
  { name: 'private/', prefix: 'private/', allowed: false },
  { name: 'private/ with delimiter', prefix: 'private/', delimiter: '/', allowed: false },
  { name: 'protected/', prefix: 'protected/', allowed: false },
  { name: 'protected/ with delimiter', prefix: 'protected/', delimiter: '/', allowed: false },
  { name: 'public/', prefix: 'public/', allowed: false },
  { name: 'public/ with delimiter', prefix: 'public/', delimiter: '/', allowed: false },
  { name: 'level without slash', prefix: 'protected', allowed: false },
  { name: 'partial owner in private', prefix: 'private/us-east-1:', allowed: false },
  { name: 'partial owner in protected', prefix: 'protected/us-east-1:', allowed: false },
  { name: 'partial owner in public', prefix: 'public/us-east-1:', allowed: false },
  { name: 'partial uuid in protected', prefix: 'protected/us-east-1:8', allowed: false },
  { name: 'own private folder', prefix: 'private/{own}/', allowed: true },
  { name: 'own private folder, delimiter', prefix: 'private/{own}/', delimiter: '/', allowed: true },
  { name: 'own private subfolder', prefix: 'private/{own}/docs/', allowed: true },
  { name: 'own private, partial file name', prefix: 'private/{own}/rep', allowed: true },
  { name: 'own private folder without slash', prefix: 'private/{own}', allowed: false },
  { name: 'own protected folder', prefix: 'protected/{own}/', allowed: true },
  { name: 'own public folder, delimiter', prefix: 'public/{own}/', delimiter: '/', allowed: true },
  { name: "other's private folder", prefix: 'private/{other}/', allowed: false },
  { name: "other's private folder, delimiter", prefix: 'private/{other}/', delimiter: '/', allowed: false },
  { name: "other's private subfolder", prefix: 'private/{other}/docs/', allowed: false },
  { name: "other's protected folder", prefix: 'protected/{other}/', allowed: true },
  {
    name: "other's protected folder, delimiter",
    prefix: 'protected/{other}/',
    delimiter: '/',
    allowed: true,
  },
  { name: "other's public subfolder", prefix: 'public/{other}/photos/', allowed: true },
  { name: "other's protected folder without slash", prefix: 'protected/{other}', allowed: false },
];

export const LIST_CASES: readonly ListCase[] = (['A', 'B'] as const).flatMap((caller) =>
  LIST_TEMPLATES.map((template) => ({ ...template, caller })),
);

export function listPrefix(c: ListCase): string | undefined {
  return c.prefix?.replace('{own}', IDENTITIES[c.caller]).replace('{other}', IDENTITIES[other(c.caller)]);
}

export async function listAllowed(
  policy: PolicyDocument,
  c: ListCase,
  tags: Record<string, string> = {},
): Promise<boolean> {
  const prefix = listPrefix(c);
  const extra: Record<string, string> = { ...tags };
  if (prefix !== undefined) extra['s3:prefix'] = prefix;
  if (c.delimiter !== undefined) extra['s3:delimiter'] = c.delimiter;
  return isAllowed({
    policy,
    action: 's3:ListBucket',
    resource: BUCKET_ARN,
    context: identityContext(c.caller, extra),
  });
}

/** The `shared` level, `shared/{owner}/{grantee}/{path}`, seen by its owner, its grantee and a third user. */
export type SharedRole = 'owner' | 'grantee' | 'third';

/** Who plays each role for a share from `owner` to `grantee`; the third is whoever is left. */
export const SHARES: readonly { readonly owner: Caller; readonly grantee: Caller; readonly third: Caller }[] =
  [
    { owner: 'A', grantee: 'B', third: 'C' },
    { owner: 'B', grantee: 'C', third: 'A' },
    { owner: 'C', grantee: 'A', third: 'B' },
  ];

export interface SharedObjectCase {
  readonly owner: Caller;
  readonly grantee: Caller;
  readonly role: SharedRole;
  readonly caller: Caller;
  readonly action: ObjectAction;
  readonly allowed: boolean;
}

/** The owner does everything in its shares; the grantee only reads them; a third user nothing. */
export const SHARED_OBJECT_CASES: readonly SharedObjectCase[] = SHARES.flatMap((share) =>
  (['owner', 'grantee', 'third'] as const).flatMap((role) =>
    OBJECT_ACTIONS.map((action) => ({
      owner: share.owner,
      grantee: share.grantee,
      role,
      caller: share[role],
      action,
      allowed: role === 'owner' || (role === 'grantee' && action === 's3:GetObject'),
    })),
  ),
);

export function sharedObjectKey(owner: Caller, grantee: Caller, path = 'docs/report.pdf'): string {
  return `shared/${IDENTITIES[owner]}/${IDENTITIES[grantee]}/${path}`;
}

export async function sharedObjectAllowed(
  policy: PolicyDocument,
  c: Pick<SharedObjectCase, 'owner' | 'grantee' | 'caller' | 'action'>,
  path?: string,
  tags: Record<string, string> = {},
): Promise<boolean> {
  return isAllowed({
    policy,
    action: c.action,
    resource: `${BUCKET_ARN}/${sharedObjectKey(c.owner, c.grantee, path)}`,
    context: identityContext(c.caller, tags),
  });
}

export interface SharedListCase {
  readonly name: string;
  readonly caller: Caller;
  /** `{A}`, `{B}`, `{C}` are replaced by the identities. */
  readonly prefix: string;
  readonly delimiter?: string;
  readonly allowed: boolean;
}

const everyone = (
  name: string,
  prefix: string,
  allowedFor: readonly Caller[],
  delimiter?: string,
): SharedListCase[] =>
  (['A', 'B', 'C'] as const).map((caller) => ({
    name,
    caller,
    prefix,
    allowed: allowedFor.includes(caller),
    ...(delimiter === undefined ? {} : { delimiter }),
  }));

/** A shares with B; C is the third user. */
export const SHARED_LIST_CASES: readonly SharedListCase[] = [
  ...everyone('the level root shared/', 'shared/', []),
  ...everyone('the level root shared/, delimiter', 'shared/', [], '/'),
  ...everyone('the level without slash', 'shared', []),
  ...everyone('a partial owner', 'shared/us-east-1:', []),
  ...everyone("A's whole outgoing shares", 'shared/{A}/', ['A']),
  ...everyone("A's whole outgoing shares, delimiter", 'shared/{A}/', ['A'], '/'),
  ...everyone("A's outgoing shares without slash", 'shared/{A}', []),
  ...everyone("A's shares, partial grantee", 'shared/{A}/us-east-1:', ['A']),
  ...everyone("A's shares with B", 'shared/{A}/{B}/', ['A', 'B']),
  ...everyone("A's shares with B, delimiter", 'shared/{A}/{B}/', ['A', 'B'], '/'),
  ...everyone("A's shares with B, subfolder", 'shared/{A}/{B}/docs/', ['A', 'B']),
  ...everyone("A's shares with B, partial name", 'shared/{A}/{B}/rep', ['A', 'B']),
  ...everyone("A's shares with B without slash", 'shared/{A}/{B}', ['A']),
  ...everyone("A's shares with C", 'shared/{A}/{C}/', ['A', 'C']),
  ...everyone("B's shares with A", 'shared/{B}/{A}/', ['A', 'B']),
  ...everyone('any owner shares with B (wildcard owner is a literal "*")', 'shared/*/{B}/', ['B']),
];

export function sharedListPrefix(c: Pick<SharedListCase, 'prefix'>): string {
  return c.prefix
    .replaceAll('{A}', IDENTITIES.A)
    .replaceAll('{B}', IDENTITIES.B)
    .replaceAll('{C}', IDENTITIES.C);
}

export async function sharedListAllowed(
  policy: PolicyDocument,
  c: SharedListCase,
  tags: Record<string, string> = {},
): Promise<boolean> {
  const extra: Record<string, string> = { ...tags, 's3:prefix': sharedListPrefix(c) };
  if (c.delimiter !== undefined) extra['s3:delimiter'] = c.delimiter;
  return isAllowed({
    policy,
    action: 's3:ListBucket',
    resource: BUCKET_ARN,
    context: identityContext(c.caller, extra),
  });
}

/**
 * Team folders, `groups/{group}/{path}`. Each session carries its groups as session tags, in the
 * slots `sessionGroups` gives them (the function's own code path), which IAM sees as
 * `aws:PrincipalTag/group0`…: a designer (design in slot 1, after audit), an operator (ops, slot 0)
 * and a user in no group (no tags at all).
 */
export const GROUP_SESSIONS = {
  designer: { caller: 'A', groups: ['design', 'audit'] },
  operator: { caller: 'B', groups: ['ops'] },
  ungrouped: { caller: 'C', groups: [] },
} as const satisfies Record<string, { readonly caller: Caller; readonly groups: readonly string[] }>;
export type GroupSession = keyof typeof GROUP_SESSIONS;
const SESSION_NAMES = Object.keys(GROUP_SESSIONS) as GroupSession[];

/** The `aws:PrincipalTag/…` keys of a session tagged with `groups`, as STS puts them in the context. */
export function groupTagContext(groups: readonly string[]): Record<string, string> {
  const tags = groupTags(sessionGroups(groups).carried);
  return Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]));
}

/** An identity's context with the session tags of its groups. */
export function groupSessionContext(
  session: GroupSession,
  extra: Record<string, string> = {},
): Record<string, string | string[]> {
  const { caller, groups } = GROUP_SESSIONS[session];
  return identityContext(caller, { ...groupTagContext(groups), ...extra });
}

/** The folders judged: one per group in play. */
export const GROUP_FOLDERS = ['design', 'ops'] as const;

export interface GroupObjectCase {
  readonly session: GroupSession;
  readonly folder: string;
  readonly action: ObjectAction;
  readonly allowed: boolean;
}

/** Members do everything in their group's folder; nobody else anything, not even a read. */
export const GROUP_OBJECT_CASES: readonly GroupObjectCase[] = SESSION_NAMES.flatMap((session) =>
  GROUP_FOLDERS.flatMap((folder) =>
    OBJECT_ACTIONS.map((action) => ({
      session,
      folder,
      action,
      allowed: (GROUP_SESSIONS[session].groups as readonly string[]).includes(folder),
    })),
  ),
);

export const groupObjectKey = (folder: string, path = 'docs/report.pdf') => `groups/${folder}/${path}`;

export async function groupObjectAllowed(
  policy: PolicyDocument,
  c: Pick<GroupObjectCase, 'session' | 'folder' | 'action'>,
  path?: string,
): Promise<boolean> {
  return isAllowed({
    policy,
    action: c.action,
    resource: `${BUCKET_ARN}/${groupObjectKey(c.folder, path)}`,
    context: groupSessionContext(c.session),
  });
}

export interface GroupListCase {
  readonly name: string;
  readonly session: GroupSession;
  /** Absent: a listing of the bucket root without a prefix. */
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly allowed: boolean;
}

const groupListing = (
  name: string,
  prefix: string | undefined,
  allowedFor: readonly GroupSession[],
  delimiter?: string,
): GroupListCase[] =>
  SESSION_NAMES.map((session) => ({
    name,
    session,
    allowed: allowedFor.includes(session),
    ...(prefix === undefined ? {} : { prefix }),
    ...(delimiter === undefined ? {} : { delimiter }),
  }));

/** Only a member lists its group's folder; nobody lists `groups/`, the bucket, or a group that is not theirs. */
export const GROUP_LIST_CASES: readonly GroupListCase[] = [
  ...groupListing('the bucket root, no prefix', undefined, []),
  ...groupListing('the bucket root, no prefix, delimiter', undefined, [], '/'),
  ...groupListing('an empty prefix', '', []),
  ...groupListing('the level root groups/', 'groups/', []),
  ...groupListing('the level root groups/, delimiter', 'groups/', [], '/'),
  ...groupListing('the level without slash', 'groups', []),
  ...groupListing('a partial group name', 'groups/des', []),
  ...groupListing('an empty group segment', 'groups//', []),
  ...groupListing("design's folder", 'groups/design/', ['designer']),
  ...groupListing("design's folder, delimiter", 'groups/design/', ['designer'], '/'),
  ...groupListing("design's subfolder", 'groups/design/docs/', ['designer']),
  ...groupListing("design's folder, partial file name", 'groups/design/rep', ['designer']),
  ...groupListing("design's folder without slash", 'groups/design', []),
  ...groupListing("ops's folder", 'groups/ops/', ['operator']),
  ...groupListing("ops's folder, delimiter", 'groups/ops/', ['operator'], '/'),
  ...groupListing('a group nobody here is in', 'groups/marketing/', []),
  ...groupListing('a group named like a longer design', 'groups/design-team/', []),
];

export async function groupListAllowed(
  policy: PolicyDocument,
  c: Pick<GroupListCase, 'session' | 'prefix' | 'delimiter'>,
): Promise<boolean> {
  const extra: Record<string, string> = {};
  if (c.prefix !== undefined) extra['s3:prefix'] = c.prefix;
  if (c.delimiter !== undefined) extra['s3:delimiter'] = c.delimiter;
  return isAllowed({
    policy,
    action: 's3:ListBucket',
    resource: BUCKET_ARN,
    context: groupSessionContext(c.session, extra),
  });
}
