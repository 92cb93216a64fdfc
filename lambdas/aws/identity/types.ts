/**
 * The identity service's contract: the caller, the sessions it gets (identity ID and temporary
 * credentials), the `IdentityService` operations and the options `createIdentityService` takes.
 */
import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CallerGroups } from '../../../shared/domain/groups';
import type { AccessMode } from '../../api/config';
import type { IdentityDirectory } from '../identity-directory';
import type { RetryOptions } from '../retry';
import type { SessionStore } from '../session-store';
import type { GuestIdentityRecord } from '../session-store/guest-identity';

/** The authenticated caller, from the authorizer's verified claims and the raw ID token. */
export interface Caller {
  readonly sub: string;
  readonly username: string;
  /** The token's email, only when the token says the pool verified it. */
  readonly email?: string;
  readonly idToken: string;
  /** The verified `cognito:groups` claim of this token; absent: none. */
  readonly groups?: readonly string[];
}

export interface IdentityCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  /** When we obtained them (epoch ms): fresh ones live about as long as these have. */
  readonly obtainedAt: number;
}

export interface IdentitySession {
  readonly identityId: string;
  readonly credentials: IdentityCredentials;
}

export interface SessionOptions {
  /** The URL lifetime about to be signed: credentials that would cut it short are refreshed first. */
  readonly lifetimeSeconds?: number;
  /** Fetch new credentials even if cached ones are still usable. */
  readonly forceRefresh?: boolean;
}

/** The deployment's guest session (the unauthenticated role), for routes anyone may call. */
export interface GuestSessions {
  session(options?: SessionOptions): Promise<IdentitySession>;
  withSession<T>(options: SessionOptions, work: (session: IdentitySession) => Promise<T>): Promise<T>;
}

export interface IdentityService {
  /** Present exactly when the deployment has guest access (`unauthenticatedRoleArn`). */
  readonly guest?: GuestSessions;
  identityId(caller: Caller): Promise<string>;
  /**
   * Another user's identity ID, without a session, for a `sub` the user pool itself answered (never
   * one from a request): sealed mode derives it from the developer login; direct mode has it only
   * once the user has signed in (UserNotReadyError before).
   */
  identityIdOfUser(sub: string): Promise<string>;
  /**
   * Drops the caller's identity-directory entry (direct mode; sealed mode keeps none) and stored
   * session, for `DELETE /me/data`. Their next request records them again, as on a first sign-in.
   */
  forget(caller: Caller): Promise<void>;
  /**
   * The caller's groups as their session carries them (sealed mode), or `direct-mode`, where a
   * session carries none. Sessions are cached per (user, carried groups).
   */
  groupsOf(caller: Caller): CallerGroups;
  session(caller: Caller, options?: SessionOptions): Promise<IdentitySession>;
  /**
   * Runs `work` with the caller's session; if storage rejects the credentials themselves (expired
   * or revoked mid-request), runs it once more with fresh ones.
   */
  withSession<T>(
    caller: Caller,
    options: SessionOptions,
    work: (session: IdentitySession) => Promise<T>,
  ): Promise<T>;
}

export interface IdentityServiceOptions {
  readonly mode: AccessMode;
  /** Created once per instance (see `createCognitoIdentityClient`). */
  readonly client: CognitoIdentityClient;
  /** Created once per instance (see `createStsClient`). */
  readonly sts: STSClient;
  readonly userPoolId: string;
  readonly identityPoolId: string;
  /** `cognito-idp.{region}.amazonaws.com/{userPoolId}` (direct mode's `Logins` key). */
  readonly loginsKey: string;
  /** The identity pool's developer provider name; required in sealed mode. */
  readonly developerProviderName?: string;
  /** The identity pool's authenticated role, assumed for each caller. */
  readonly roleArn: string;
  /** The identity pool's unauthenticated role; absent: no guest access. */
  readonly unauthenticatedRoleArn?: string;
  /** Where the fleet shares its one guest identity; absent: each instance asks `GetId` once. */
  readonly guestIdentity?: GuestIdentityRecord;
  /** STS session length asked for; the role's maximum session duration bounds it. */
  readonly sessionDurationSeconds: number;
  readonly now?: () => number;
  /** Identity IDs kept (they never change for a user). @default 10000 */
  readonly maxIdentities?: number;
  /** Credential sets kept. @default 1000 */
  readonly maxCredentials?: number;
  /** Stop serving cached credentials this long before they expire. @default 300000 (5 min) */
  readonly refreshMarginMs?: number;
  readonly retry?: RetryOptions;
  /** Direct mode: where identity IDs persist across instances. Absent: every new instance asks `GetId`. */
  readonly directory?: IdentityDirectory;
  /** Told when the directory fails; the request goes on without it. Never given the token. */
  readonly onDirectoryError?: (operation: 'lookup' | 'record', error: unknown) => void;
  /**
   * Where sessions persist across instances, read on an instance-cache miss before minting and
   * written after. Absent: every instance mints its own.
   */
  readonly sessionStore?: SessionStore;
}
