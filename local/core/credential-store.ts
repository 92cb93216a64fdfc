/**
 * The state shared in-process by the local identity service and the S3 gateway: the identity pools
 * (with their authenticated role and its policy) and the temporary credentials minted for
 * identities, looked up by access key ID when the gateway verifies a signature.
 *
 * Identity IDs are derived, not stored: a UUIDv5 of (identity pool, provider, user `sub`), so the
 * same user gets the same ID with any token, and across restarts of the service.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { IDENTITY_ID_PATTERN } from '../../shared/domain/keys';
import type { ConditionBlock, PolicyDocument } from '../../shared/policy/access-policy';

/** A user pool configured as a login provider of an identity pool. */
export interface CognitoProvider {
  /** `cognito-idp.{region}.amazonaws.com/{userPoolId}`: the key clients use in `Logins`. */
  readonly providerName: string;
  /** The app client ID: the `aud` of the ID tokens the pool accepts. */
  readonly clientId: string;
}

export interface AuthenticatedRole {
  readonly arn: string;
  /** The role's identity policy, as built by `buildAuthenticatedRolePolicy`. */
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
    readonly Action: string;
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
  readonly authenticatedRole: AuthenticatedRole;
}

export interface CreateIdentityPoolInput {
  readonly name: string;
  /** @default us-east-1 */
  readonly region?: string;
  /** A fixed ID, e.g. to keep identity IDs stable across restarts; @default `{region}:{random uuid}` */
  readonly id?: string;
  readonly providers: readonly CognitoProvider[];
  readonly developerProviderName?: string;
  readonly authenticatedRole: AuthenticatedRole;
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
}

export interface IssueCredentialsInput {
  readonly identityId: string;
  readonly identityPoolId: string;
  readonly amr: readonly string[];
  /** @default 3600 (Cognito's default for GetCredentialsForIdentity) */
  readonly lifetimeSeconds?: number;
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

export class CredentialStore {
  readonly #pools = new Map<string, IdentityPool>();
  readonly #credentials = new Map<string, IssuedCredentials>();
  /** Access key IDs per identity, oldest first (Set iteration is insertion order). */
  readonly #byIdentity = new Map<string, Set<string>>();
  /** Service roles (the events function's), by ARN: their credentials belong to no identity pool. */
  readonly #rolePolicies = new Map<string, PolicyDocument>();
  readonly #now: () => number;
  readonly #retentionMs: number;
  readonly #maxCredentials: number;
  readonly #maxLivePerIdentity: number;
  #lastPrune = 0;
  #lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(options: CredentialStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#retentionMs = (options.expiredRetentionSeconds ?? 3600) * 1000;
    this.#maxCredentials = options.maxCredentials ?? 100_000;
    this.#maxLivePerIdentity = options.maxLivePerIdentity ?? 50;
    if (!(this.#maxCredentials >= 1 && this.#maxLivePerIdentity >= 1)) {
      throw new TypeError('maxCredentials and maxLivePerIdentity must be at least 1');
    }
  }

  /** Registers an identity pool (what `CreateIdentityPool` plus `SetIdentityPoolRoles` do in AWS). */
  createIdentityPool(input: CreateIdentityPoolInput): IdentityPool {
    const region = input.region ?? 'us-east-1';
    const id = input.id ?? `${region}:${randomUUID()}`;
    if (!IDENTITY_ID_PATTERN.test(id) || !id.startsWith(`${region}:`)) {
      throw new TypeError(`identity pool ID must look like "${region}:<lowercase uuid>"`);
    }
    if (this.#pools.has(id)) throw new TypeError(`identity pool ${id} already exists`);
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
    if (!input.authenticatedRole.arn.startsWith('arn:')) {
      throw new TypeError('the authenticated role needs an IAM role ARN');
    }
    const pool: IdentityPool = {
      id,
      name: input.name,
      region,
      providers: input.providers.map((provider) => ({ ...provider })),
      ...(input.developerProviderName ? { developerProviderName: input.developerProviderName } : {}),
      // A private copy: changing the caller's object later must not change what is enforced.
      authenticatedRole: structuredClone(input.authenticatedRole),
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

  /** Mints temporary credentials for an identity of a pool, bound to its authenticated role. */
  issueCredentials(input: IssueCredentialsInput): IssuedCredentials {
    const pool = this.#pools.get(input.identityPoolId);
    if (!pool) throw new TypeError(`unknown identity pool ${input.identityPoolId}`);
    const lifetimeSeconds = input.lifetimeSeconds ?? 3600;
    if (!(lifetimeSeconds > 0)) throw new TypeError('lifetimeSeconds must be positive');
    this.#prune();
    this.#makeRoomFor(input.identityId);
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
      roleArn: pool.authenticatedRole.arn,
      amr: [...input.amr],
    };
    this.#credentials.set(credentials.accessKeyId, credentials);
    let own = this.#byIdentity.get(input.identityId);
    if (!own) {
      own = new Set();
      this.#byIdentity.set(input.identityId, own);
    }
    own.add(credentials.accessKeyId);
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
    };
    this.#credentials.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** The credentials an access key ID was issued with (expired ones too, for a while), or undefined. */
  findCredentials(accessKeyId: string): IssuedCredentials | undefined {
    return this.#credentials.get(accessKeyId);
  }

  /** The policy of the role the credentials were issued for (as the pool holds it now). */
  policyFor(credentials: IssuedCredentials): PolicyDocument | undefined {
    if (credentials.identityPoolId === '') return this.#rolePolicies.get(credentials.roleArn);
    const role = this.#pools.get(credentials.identityPoolId)?.authenticatedRole;
    return role?.arn === credentials.roleArn ? role.policy : undefined;
  }

  #forget(accessKeyId: string): void {
    const credentials = this.#credentials.get(accessKeyId);
    if (!credentials) return;
    this.#credentials.delete(accessKeyId);
    const own = this.#byIdentity.get(credentials.identityId);
    own?.delete(accessKeyId);
    if (own?.size === 0) this.#byIdentity.delete(credentials.identityId);
  }

  /**
   * Room for one more set of `identityId`'s: its own oldest live set goes when it holds its share;
   * then, if the store is full, expired sets of anyone go; live sets of others never do.
   */
  #makeRoomFor(identityId: string): void {
    const now = this.#now();
    const own = [...(this.#byIdentity.get(identityId) ?? [])];
    const live = own.filter((key) => (this.#credentials.get(key)?.expiration.getTime() ?? 0) > now);
    for (const key of live.slice(0, Math.max(0, live.length - this.#maxLivePerIdentity + 1))) {
      this.#forget(key);
    }
    if (this.#credentials.size < this.#maxCredentials) return;
    // A full scan at most once a second: a flood against a full store must not cost O(n) each.
    if (now - this.#lastFullSweep >= 1_000) {
      this.#lastFullSweep = now;
      for (const [key, credentials] of this.#credentials) {
        if (this.#credentials.size < this.#maxCredentials) return;
        if (credentials.expiration.getTime() <= now) this.#forget(key);
      }
    }
    if (this.#credentials.size >= this.#maxCredentials) {
      throw new CredentialStoreFullError('the credential store is full of live credentials');
    }
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

export function createCredentialStore(options?: CredentialStoreOptions): CredentialStore {
  return new CredentialStore(options);
}
