/**
 * The state shared in-process by the local identity service and the S3 gateway: the identity pools
 * (with their authenticated and unauthenticated roles and their policies) and the temporary
 * credentials minted for identities, looked up by access key ID when the gateway verifies a signature.
 *
 * A user's identity ID is derived, not stored: a UUIDv5 of (identity pool, provider, user `sub`), so
 * the same user gets the same ID with any token, and across restarts of the service. A guest's
 * (unauthenticated) identity ID is random, new at every `GetId` without logins, as Cognito gives it;
 * so it exists only while the store remembers it, and anyone can make more. The store remembers a
 * bounded number of them (the oldest forgotten first), and a forgotten one is unknown: refused.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { IDENTITY_ID_PATTERN } from '../../shared/domain/keys';
import type { ConditionBlock, IdentityKind, PolicyDocument } from '../../shared/policy/access-policy';
import { RecentMap } from './recent-map';
import type { SessionTags } from './session-tags';

/** A user pool configured as a login provider of an identity pool. */
export interface CognitoProvider {
  /** `cognito-idp.{region}.amazonaws.com/{userPoolId}`: the key clients use in `Logins`. */
  readonly providerName: string;
  /** The app client ID: the `aud` of the ID tokens the pool accepts. */
  readonly clientId: string;
}

/** One of an identity pool's roles (what `SetIdentityPoolRoles` names), with what IAM holds of it. */
export interface PoolRole {
  readonly arn: string;
  /** The role's identity policy (`buildAuthenticatedRolePolicy`, `buildUnauthenticatedRolePolicy`). */
  readonly policy: PolicyDocument;
  /** The role's trust policy, which the local STS evaluates; absent: STS refuses every caller. */
  readonly trustPolicy?: TrustPolicyDocument;
  /** The role's MaxSessionDuration, which bounds STS sessions. @default 3600 (IAM's default) */
  readonly maxSessionDurationSeconds?: number;
}

/** A trust policy: who may assume the role, as CloudFormation's AssumeRolePolicyDocument has it. */
export interface TrustPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Effect: 'Allow' | 'Deny';
    readonly Principal: { readonly Federated: string };
    readonly Action: string | readonly string[];
    readonly Condition?: ConditionBlock;
  }[];
}

export interface IdentityPool {
  /** `{region}:{uuid}` */
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly providers: readonly CognitoProvider[];
  /** A developer provider's name: only signed `GetOpenIdTokenForDeveloperIdentity` calls log in with it. */
  readonly developerProviderName?: string;
  readonly authenticatedRole: PoolRole;
  /** The role of guest (unauthenticated) identities; absent: none. */
  readonly unauthenticatedRole?: PoolRole;
  /** `AllowUnauthenticatedIdentities`: `GetId` without logins creates a guest identity. */
  readonly allowUnauthenticatedIdentities: boolean;
}

export interface CreateIdentityPoolInput {
  readonly name: string;
  /** @default us-east-1 */
  readonly region?: string;
  /** A fixed ID, e.g. to keep identity IDs stable across restarts; @default `{region}:{random uuid}` */
  readonly id?: string;
  readonly providers: readonly CognitoProvider[];
  readonly developerProviderName?: string;
  readonly authenticatedRole: PoolRole;
  /** Another role than the authenticated one; required to allow unauthenticated identities. */
  readonly unauthenticatedRole?: PoolRole;
  /** @default false */
  readonly allowUnauthenticatedIdentities?: boolean;
}

/** An identity the store has created (a guest) or recorded (a user's, at `GetId`), with its pool. */
export interface KnownIdentity {
  readonly pool: IdentityPool;
  readonly kind: IdentityKind;
}

/** Temporary credentials minted for one identity, as the gateway needs them to verify and authorize. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly issuedAt: Date;
  readonly identityId: string;
  readonly identityPoolId: string;
  readonly roleArn: string;
  /** The `cognito-identity.amazonaws.com:amr` values of the session. */
  readonly amr: readonly string[];
  /** The session's tags (`aws:PrincipalTag/<key>`): those STS took from the token; often none. */
  readonly principalTags: SessionTags;
}

export interface IssueCredentialsInput {
  readonly identityId: string;
  readonly identityPoolId: string;
  readonly amr: readonly string[];
  /**
   * The pool role to bind the credentials to: STS passes the role whose trust policy admitted the
   * token. @default the role the session's `amr` names: `unauthenticated`, the pool's
   * unauthenticated role (refused when it has none); else its authenticated role
   */
  readonly roleArn?: string;
  /** @default 3600 (Cognito's default for GetCredentialsForIdentity) */
  readonly lifetimeSeconds?: number;
  /** The session's tags, as STS admitted them from the token. @default none */
  readonly principalTags?: SessionTags;
}

export interface CredentialStoreOptions {
  /** Clock, for tests; @default Date.now */
  readonly now?: () => number;
  /**
   * Expired credentials are remembered this long, so a late request gets `ExpiredToken` rather than
   * `InvalidAccessKeyId`; @default 3600
   */
  readonly expiredRetentionSeconds?: number;
  /**
   * Bound on remembered credentials. Expired ones are forgotten first to make room; when every set is
   * still live, new issuance is refused (`CredentialStoreFullError`) rather than invalidating
   * another identity's live credentials. @default 100000
   */
  readonly maxCredentials?: number;
  /**
   * Live credential sets kept per identity; issuing one more forgets that identity's own oldest, so
   * one user's flood only ever costs that user. @default 50
   */
  readonly maxLivePerIdentity?: number;
  /**
   * Bound on remembered credential sets of guest sessions (`amr` holds `unauthenticated`), which
   * anyone may ask for: past it guests are refused (`CredentialStoreFullError`) while users still
   * get theirs. @default half of `maxCredentials`
   */
  readonly maxGuestCredentials?: number;
  /**
   * Guest identities remembered, and user identities recorded; past it the oldest is forgotten
   * (a forgotten guest identity is unknown from then on). @default 100000
   */
  readonly maxIdentities?: number;
}

/** The store holds `maxCredentials` live sets: nothing may be issued until some expire. */
export class CredentialStoreFullError extends Error {
  override name = 'CredentialStoreFullError';
}

const PROVIDER_NAME = /^cognito-idp\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com\/(\1_[0-9A-Za-z]+)$/;
const POOL_NAME = /^[\w ]{1,128}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The `Logins` key of a user pool: `cognito-idp.{region}.amazonaws.com/{userPoolId}`. */
export function cognitoProviderName(region: string, userPoolId: string): string {
  return `cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

/** Splits a provider name into its region and user pool ID, or undefined when it is not one. */
export function parseProviderName(providerName: string): { region: string; userPoolId: string } | undefined {
  const match = PROVIDER_NAME.exec(providerName);
  if (!match?.[1] || !match[2]) return undefined;
  return { region: match[1], userPoolId: match[2] };
}

/** RFC 4122 name-based UUID (version 5, SHA-1) of `name` in the namespace UUID `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An STS-style temporary access key ID: `ASIA` and 16 base32 characters. */
function newAccessKeyId(): string {
  return `ASIA${[...randomBytes(16)].map((byte) => BASE32[byte % 32]).join('')}`;
}

/** Constant-time string equality (for session tokens). */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/** Refuses a malformed pool definition, naming what is wrong (as a programming error). */
function checkPoolInput(input: CreateIdentityPoolInput, id: string, region: string): void {
  if (!IDENTITY_ID_PATTERN.test(id) || !id.startsWith(`${region}:`)) {
    throw new TypeError(`identity pool ID must look like "${region}:<lowercase uuid>"`);
  }
  if (!POOL_NAME.test(input.name)) {
    throw new TypeError('identity pool name must be 1-128 word characters or spaces');
  }
  if (input.providers.length === 0 && !input.developerProviderName) {
    throw new TypeError('an identity pool needs at least one provider');
  }
  if (input.developerProviderName !== undefined && !/^[\w._-]{1,100}$/.test(input.developerProviderName)) {
    throw new TypeError('a developer provider name is 1-100 word characters, dots or dashes');
  }
  for (const provider of input.providers) {
    if (!parseProviderName(provider.providerName)) {
      throw new TypeError(
        `provider name "${provider.providerName}" must be cognito-idp.{region}.amazonaws.com/{userPoolId}`,
      );
    }
    if (!provider.clientId) throw new TypeError('each provider needs a clientId');
  }
  checkRoles(input);
}

function checkRoles(input: CreateIdentityPoolInput): void {
  const { authenticatedRole, unauthenticatedRole } = input;
  if (!authenticatedRole.arn.startsWith('arn:')) {
    throw new TypeError('the authenticated role needs an IAM role ARN');
  }
  if (unauthenticatedRole && !unauthenticatedRole.arn.startsWith('arn:')) {
    throw new TypeError('the unauthenticated role needs an IAM role ARN');
  }
  // One ARN for both would leave it ambiguous which policy a session's credentials carry.
  if (unauthenticatedRole?.arn === authenticatedRole.arn) {
    throw new TypeError('the unauthenticated role must be another role than the authenticated one');
  }
  if (input.allowUnauthenticatedIdentities && !unauthenticatedRole) {
    throw new TypeError('allowing unauthenticated identities needs an unauthenticated role');
  }
}

/** Whether a session is a guest's: Cognito puts `unauthenticated` in its `amr`. */
const isGuestSession = (amr: readonly string[]): boolean => amr.includes('unauthenticated');

export class CredentialStore {
  readonly #pools = new Map<string, IdentityPool>();
  readonly #credentials = new Map<string, IssuedCredentials>();
  /** Access key IDs per identity, oldest first (Set iteration is insertion order). */
  readonly #byIdentity = new Map<string, Set<string>>();
  /** Service roles (the events function's), by ARN: their credentials belong to no identity pool. */
  readonly #rolePolicies = new Map<string, PolicyDocument>();
  /** Guest identities by ID, with their pool's ID; anyone can create them, so bounded. */
  readonly #guests: RecentMap<string, string>;
  /** Users' identities seen at `GetId`, so a logins-less call for one is told apart from a stranger's. */
  readonly #users: RecentMap<string, string>;
  readonly #now: () => number;
  readonly #retentionMs: number;
  readonly #maxCredentials: number;
  readonly #maxLivePerIdentity: number;
  readonly #maxGuestCredentials: number;
  /** Remembered credential sets of guest sessions (expired ones too, until forgotten). */
  #guestCredentials = 0;
  #lastPrune = 0;
  #lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(options: CredentialStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#retentionMs = (options.expiredRetentionSeconds ?? 3600) * 1000;
    this.#maxCredentials = options.maxCredentials ?? 100_000;
    this.#maxLivePerIdentity = options.maxLivePerIdentity ?? 50;
    this.#maxGuestCredentials = options.maxGuestCredentials ?? Math.ceil(this.#maxCredentials / 2);
    if (!(this.#maxCredentials >= 1 && this.#maxLivePerIdentity >= 1 && this.#maxGuestCredentials >= 1)) {
      throw new TypeError('maxCredentials, maxLivePerIdentity and maxGuestCredentials must be at least 1');
    }
    this.#guests = new RecentMap(options.maxIdentities ?? 100_000, 'maxIdentities');
    this.#users = new RecentMap(options.maxIdentities ?? 100_000, 'maxIdentities');
  }

  /** Registers an identity pool (what `CreateIdentityPool` plus `SetIdentityPoolRoles` do in AWS). */
  createIdentityPool(input: CreateIdentityPoolInput): IdentityPool {
    const region = input.region ?? 'us-east-1';
    const id = input.id ?? `${region}:${randomUUID()}`;
    checkPoolInput(input, id, region);
    if (this.#pools.has(id)) throw new TypeError(`identity pool ${id} already exists`);
    const pool: IdentityPool = {
      id,
      name: input.name,
      region,
      providers: input.providers.map((provider) => ({ ...provider })),
      ...(input.developerProviderName ? { developerProviderName: input.developerProviderName } : {}),
      // Private copies: changing the caller's objects later must not change what is enforced.
      authenticatedRole: structuredClone(input.authenticatedRole),
      ...(input.unauthenticatedRole
        ? { unauthenticatedRole: structuredClone(input.unauthenticatedRole) }
        : {}),
      allowUnauthenticatedIdentities: input.allowUnauthenticatedIdentities ?? false,
    };
    this.#pools.set(id, pool);
    return pool;
  }

  getIdentityPool(id: string): IdentityPool | undefined {
    return this.#pools.get(id);
  }

  identityPools(): IdentityPool[] {
    return [...this.#pools.values()];
  }

  /** The stable identity ID of a provider's user (`sub`) in a pool. */
  identityIdFor(pool: IdentityPool, providerName: string, sub: string): string {
    const namespace = pool.id.slice(pool.id.indexOf(':') + 1);
    return `${pool.region}:${uuidV5(namespace, `${providerName}\n${sub}`)}`;
  }

  /**
   * A new guest identity of a pool that allows them (`GetId` without logins): a random
   * `{region}:{uuid v4}`, as Cognito gives. Past `maxIdentities` the oldest guest is forgotten.
   */
  createUnauthenticatedIdentity(poolId: string): string {
    const pool = this.#pools.get(poolId);
    if (!pool?.allowUnauthenticatedIdentities) {
      throw new TypeError(`identity pool ${poolId} does not allow unauthenticated identities`);
    }
    const identityId = `${pool.region}:${randomUUID()}`;
    this.#guests.set(identityId, pool.id);
    return identityId;
  }

  /** Records a user's identity as `GetId` creates it in Cognito (its ID stays derived). */
  recordAuthenticatedIdentity(poolId: string, identityId: string): void {
    if (!this.#pools.has(poolId)) throw new TypeError(`unknown identity pool ${poolId}`);
    this.#users.set(identityId, poolId);
  }

  /** The pool and kind of an identity the store created or recorded; undefined when unknown or forgotten. */
  findIdentity(identityId: string): KnownIdentity | undefined {
    const guestPool = this.#pools.get(this.#guests.get(identityId) ?? '');
    if (guestPool) return { pool: guestPool, kind: 'unauthenticated' };
    const userPool = this.#pools.get(this.#users.get(identityId) ?? '');
    return userPool ? { pool: userPool, kind: 'authenticated' } : undefined;
  }

  /** Mints temporary credentials for an identity of a pool, bound to one of the pool's roles. */
  issueCredentials(input: IssueCredentialsInput): IssuedCredentials {
    const pool = this.#pools.get(input.identityPoolId);
    if (!pool) throw new TypeError(`unknown identity pool ${input.identityPoolId}`);
    const role = roleToBind(pool, input);
    const lifetimeSeconds = input.lifetimeSeconds ?? 3600;
    if (!(lifetimeSeconds > 0)) throw new TypeError('lifetimeSeconds must be positive');
    this.#prune();
    this.#makeRoomFor(input.identityId, isGuestSession(input.amr));
    const issuedAt = new Date(this.#now());
    const credentials: IssuedCredentials = {
      accessKeyId: newAccessKeyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      // Whole seconds, as the JSON protocol reports expiry in epoch seconds; rounded up, so the
      // credentials live at least the lifetime asked for.
      expiration: new Date(Math.ceil((issuedAt.getTime() + lifetimeSeconds * 1000) / 1000) * 1000),
      issuedAt,
      identityId: input.identityId,
      identityPoolId: pool.id,
      roleArn: role.arn,
      amr: [...input.amr],
      // A frozen copy: the caller's object changing later must not change what S3 is told.
      principalTags: Object.freeze(Object.fromEntries(Object.entries(input.principalTags ?? {}))),
    };
    this.#remember(credentials);
    return credentials;
  }

  /**
   * Temporary credentials of a service role (what Lambda gives a function from its execution role),
   * authorized by `policy` alone; they carry no identity.
   */
  issueRoleCredentials(
    roleArn: string,
    policy: PolicyDocument,
    lifetimeSeconds = 12 * 3600,
  ): IssuedCredentials {
    this.#rolePolicies.set(roleArn, structuredClone(policy));
    const issuedAt = new Date(this.#now());
    const credentials: IssuedCredentials = {
      accessKeyId: newAccessKeyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      expiration: new Date(issuedAt.getTime() + lifetimeSeconds * 1000),
      issuedAt,
      identityId: '',
      identityPoolId: '',
      roleArn,
      amr: [],
      principalTags: {},
    };
    this.#credentials.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** The credentials an access key ID was issued with (expired ones too, for a while), or undefined. */
  findCredentials(accessKeyId: string): IssuedCredentials | undefined {
    return this.#credentials.get(accessKeyId);
  }

  /** The policy of the pool role the credentials were issued for (as the pool holds it now). */
  policyFor(credentials: IssuedCredentials): PolicyDocument | undefined {
    if (credentials.identityPoolId === '') return this.#rolePolicies.get(credentials.roleArn);
    const pool = this.#pools.get(credentials.identityPoolId);
    return pool && poolRoles(pool).find((role) => role.arn === credentials.roleArn)?.policy;
  }

  #remember(credentials: IssuedCredentials): void {
    this.#credentials.set(credentials.accessKeyId, credentials);
    if (isGuestSession(credentials.amr)) this.#guestCredentials += 1;
    let own = this.#byIdentity.get(credentials.identityId);
    if (!own) {
      own = new Set();
      this.#byIdentity.set(credentials.identityId, own);
    }
    own.add(credentials.accessKeyId);
  }

  #forget(accessKeyId: string): void {
    const credentials = this.#credentials.get(accessKeyId);
    if (!credentials) return;
    this.#credentials.delete(accessKeyId);
    if (isGuestSession(credentials.amr)) this.#guestCredentials -= 1;
    const own = this.#byIdentity.get(credentials.identityId);
    own?.delete(accessKeyId);
    if (own?.size === 0) this.#byIdentity.delete(credentials.identityId);
  }

  /**
   * Room for one more set of `identityId`'s: its own oldest live set goes when it holds its share;
   * then, if the store (or, for a guest, the guests' share of it) is full, expired sets of anyone
   * go; live sets of others never do.
   */
  #makeRoomFor(identityId: string, guest: boolean): void {
    const now = this.#now();
    const own = [...(this.#byIdentity.get(identityId) ?? [])];
    const live = own.filter((key) => (this.#credentials.get(key)?.expiration.getTime() ?? 0) > now);
    for (const key of live.slice(0, Math.max(0, live.length - this.#maxLivePerIdentity + 1))) {
      this.#forget(key);
    }
    if (!this.#full(guest)) return;
    // A full scan at most once a second: a flood against a full store must not cost O(n) each.
    if (now - this.#lastFullSweep >= 1_000) {
      this.#lastFullSweep = now;
      for (const [key, credentials] of this.#credentials) {
        if (!this.#full(guest)) return;
        if (credentials.expiration.getTime() <= now) this.#forget(key);
      }
    }
    if (this.#full(guest)) {
      throw new CredentialStoreFullError(
        guest
          ? "the guests' share of the credential store is full"
          : 'the credential store is full of live credentials',
      );
    }
  }

  #full(guest: boolean): boolean {
    if (this.#credentials.size >= this.#maxCredentials) return true;
    return guest && this.#guestCredentials >= this.#maxGuestCredentials;
  }

  #prune(): void {
    // A sweep at most once a minute keeps issuing O(1) on average.
    const now = this.#now();
    if (now - this.#lastPrune < 60_000) return;
    this.#lastPrune = now;
    const cutoff = now - this.#retentionMs;
    for (const [key, credentials] of this.#credentials) {
      if (credentials.expiration.getTime() < cutoff) this.#forget(key);
    }
  }
}

/** The pool's roles: the authenticated one, and the unauthenticated one when it has it. */
function poolRoles(pool: IdentityPool): PoolRole[] {
  return pool.unauthenticatedRole
    ? [pool.authenticatedRole, pool.unauthenticatedRole]
    : [pool.authenticatedRole];
}

/** The role named (one of the pool's), else the one the session's `amr` calls for. */
function roleToBind(pool: IdentityPool, input: IssueCredentialsInput): PoolRole {
  if (input.roleArn !== undefined) {
    const named = poolRoles(pool).find((role) => role.arn === input.roleArn);
    if (!named) throw new TypeError(`${input.roleArn} is not a role of identity pool ${pool.id}`);
    return named;
  }
  if (!isGuestSession(input.amr)) return pool.authenticatedRole;
  if (!pool.unauthenticatedRole) {
    throw new TypeError(`identity pool ${pool.id} has no unauthenticated role for a guest session`);
  }
  return pool.unauthenticatedRole;
}

export function createCredentialStore(options?: CredentialStoreOptions): CredentialStore {
  return new CredentialStore(options);
}
