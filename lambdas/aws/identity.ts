/**
 * The identity adapter: each caller's identity ID and temporary credentials, in one of two access
 * modes (see README "Access modes"):
 * - sealed: `GetOpenIdTokenForDeveloperIdentity` (signed with the function's own role) for the
 *   developer login built from the authorizer-verified claims, then STS `AssumeRoleWithWebIdentity`;
 *   the user's ID token never reaches Cognito Identity, and users cannot get credentials themselves.
 * - direct: `GetId` with the user's ID token (through the identity directory, see
 *   `identity-directory.ts`), `GetOpenIdToken`, then `AssumeRoleWithWebIdentity`.
 * STS sessions last the configured duration (up to 12 h), unlike `GetCredentialsForIdentity`'s
 * fixed hour. Both are cached per instance (bounded, single flight), so a warm request makes no
 * upstream call at all.
 */
import {
  CognitoIdentityClient,
  type CognitoIdentityClientConfig,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { AssumeRoleWithWebIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { ExpiringCache } from '../../shared/cache/expiring-cache';
import { UnauthorizedError, UpstreamError, UserNotReadyError } from '../../shared/domain/errors';
import { credentialsUsableUntil, shouldRefreshForLifetime } from '../../shared/domain/expiry';
import { isIdentityId } from '../../shared/domain/keys';
import type { AccessMode } from '../api/config';
import { isRejectedCredentials, isStaleIdentity, isTransient } from './errors';
import type { IdentityDirectory } from './identity-directory';
import { DEFAULT_RETRY, type RetryOptions, withRetries } from './retry';

/** The authenticated caller, from the authorizer's verified claims and the raw ID token. */
export interface Caller {
  readonly sub: string;
  readonly username: string;
  readonly idToken: string;
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

export interface IdentityService {
  identityId(caller: Caller): Promise<string>;
  /**
   * Another user's identity ID, without a session, for a `sub` the user pool itself answered (never
   * one from a request): sealed mode derives it from the developer login; direct mode has it only
   * once the user has signed in (UserNotReadyError before).
   */
  identityIdOfUser(sub: string): Promise<string>;
  /**
   * Drops the caller's identity-directory entry (direct mode; sealed mode keeps none), for
   * `DELETE /me/data`. Their next request records it again, as on a first sign-in.
   */
  forget(caller: Caller): Promise<void>;
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
}

/**
 * Request timeouts for Cognito and STS: with 3 attempts the worst case stays near 7 s. Without
 * `throwOnRequestTimeout` the SDK's handler only logs a warning when `requestTimeout` passes and
 * keeps waiting, so a hung endpoint would hold the request until the function itself times out.
 */
export const COGNITO_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 2_000,
  throwOnRequestTimeout: true,
} as const;

/**
 * The Cognito Identity client. `GetId` and `GetOpenIdToken` are unsigned; sealed mode's
 * `GetOpenIdTokenForDeveloperIdentity` is signed with the function's own role credentials (the
 * SDK's default chain). Retries are `withRetries`' job (see `retry.ts`), hence one attempt. The
 * endpoint comes from the SDK's standard configuration (`AWS_ENDPOINT_URL_COGNITO_IDENTITY`).
 */
export function createCognitoIdentityClient(
  region: string,
  overrides: Partial<CognitoIdentityClientConfig> = {},
): CognitoIdentityClient {
  return new CognitoIdentityClient({
    region,
    maxAttempts: 1,
    requestHandler: COGNITO_TIMEOUTS,
    ...overrides,
  });
}

/**
 * The STS client. `AssumeRoleWithWebIdentity` is unsigned (the OpenID token is the proof), so it
 * uses no credentials; one attempt, as above (`AWS_ENDPOINT_URL_STS` sets the endpoint).
 */
export function createStsClient(region: string, overrides: Partial<STSClientConfig> = {}): STSClient {
  return new STSClient({ region, maxAttempts: 1, requestHandler: COGNITO_TIMEOUTS, ...overrides });
}

/**
 * The developer-provider login of a caller in sealed mode: `{userPoolId}:{sub}`. The function may
 * mint a token for ANY identifier, so this is the one place it is built, and only from the
 * authorizer-verified `sub` and the configured user pool: never from the request.
 */
export function developerIdentifier(userPoolId: string, caller: Pick<Caller, 'sub'>): string {
  // A Cognito `sub` is a UUID; anything else (empty, separators) must not become a login.
  if (!/^[0-9a-fA-F-]{1,128}$/.test(caller.sub)) {
    throw new UnauthorizedError('the verified token has no usable subject');
  }
  return `${userPoolId}:${caller.sub}`;
}

interface Minted {
  readonly identityId: string;
  readonly credentials: IdentityCredentials;
}

/** Failures other than transient ones are ours or the pool's, never the caller's: 502. */
function upstreamUnlessTransient(message: string) {
  return (error: unknown): never => {
    if (isTransient(error)) throw error;
    throw new UpstreamError(message);
  };
}

export function createIdentityService(options: IdentityServiceOptions): IdentityService {
  const now = options.now ?? Date.now;
  const retry = options.retry ?? DEFAULT_RETRY;
  const marginMs = options.refreshMarginMs ?? 300_000;
  const { client, sts, identityPoolId, loginsKey, userPoolId, mode, roleArn } = options;
  const developerProviderName = options.developerProviderName;
  if (mode === 'sealed' && !developerProviderName) {
    throw new TypeError('sealed mode needs the developer provider name');
  }

  const identities = new ExpiringCache<string, string>({
    max: options.maxIdentities ?? 10_000,
    now,
  });
  const credentials = new ExpiringCache<string, Minted>({
    max: options.maxCredentials ?? 1_000,
    now,
    expiresAt: (value) =>
      credentialsUsableUntil({
        expireAtMs: value.credentials.expiration.getTime(),
        obtainedAtMs: value.credentials.obtainedAt,
        marginMs,
      }),
  });

  const logins = (idToken: string) => ({ [loginsKey]: idToken });

  async function fetchIdentityId(idToken: string): Promise<string> {
    const output = await withRetries(
      () => client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idToken) })),
      isTransient,
      retry,
    );
    // The ID becomes part of every S3 key we build: refuse anything that is not one.
    if (!isIdentityId(output.IdentityId)) throw new UpstreamError('GetId returned no valid identity ID');
    return output.IdentityId;
  }

  /** STS: the role's session for an identity's OpenID token. */
  async function assumeRole(identityId: string, token: string): Promise<IdentityCredentials> {
    const output = await withRetries(
      () =>
        sts.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: roleArn,
            // Shows in CloudTrail: which identity acted, without naming the user.
            RoleSessionName: `user-files-${identityId.slice(identityId.indexOf(':') + 1)}`,
            WebIdentityToken: token,
            DurationSeconds: options.sessionDurationSeconds,
          }),
        ),
      isTransient,
      retry,
    ).catch(upstreamUnlessTransient('STS refused the identity token'));
    const issued = output.Credentials;
    if (
      !issued?.AccessKeyId ||
      !issued.SecretAccessKey ||
      !issued.SessionToken ||
      !(issued.Expiration instanceof Date) ||
      Number.isNaN(issued.Expiration.getTime())
    ) {
      throw new UpstreamError('AssumeRoleWithWebIdentity returned incomplete credentials');
    }
    // The policy variable S3 resolves is the token's subject: it must be the ID we build keys with.
    if (output.SubjectFromWebIdentityToken !== identityId) {
      throw new UpstreamError('AssumeRoleWithWebIdentity answered for another identity');
    }
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration,
      obtainedAt: now(),
    };
  }

  /** Direct mode: the pool checks the caller's ID token against the identity, then STS. */
  async function fetchDirect(identityId: string, idToken: string): Promise<Minted> {
    const output = await withRetries(
      () => client.send(new GetOpenIdTokenCommand({ IdentityId: identityId, Logins: logins(idToken) })),
      isTransient,
      retry,
    );
    if (output.IdentityId !== identityId || !output.Token) {
      throw new UpstreamError('GetOpenIdToken returned no token for this identity');
    }
    return { identityId, credentials: await assumeRole(identityId, output.Token) };
  }

  /** Sealed mode: the identity ID (and a token) of a developer login, signed by the function's role. */
  async function developerIdentity(caller: Pick<Caller, 'sub'>) {
    const output = await withRetries(
      () =>
        client.send(
          new GetOpenIdTokenForDeveloperIdentityCommand({
            IdentityPoolId: identityPoolId,
            Logins: { [developerProviderName as string]: developerIdentifier(userPoolId, caller) },
          }),
        ),
      isTransient,
      retry,
    ).catch(upstreamUnlessTransient('the identity pool refused the developer login'));
    if (!isIdentityId(output.IdentityId) || !output.Token) {
      throw new UpstreamError('GetOpenIdTokenForDeveloperIdentity returned no valid identity');
    }
    return { identityId: output.IdentityId, token: output.Token };
  }

  /** Sealed mode: one signed call yields the identity ID and its token; then STS. */
  async function fetchSealed(caller: Caller): Promise<Minted> {
    const { identityId, token } = await developerIdentity(caller);
    return { identityId, credentials: await assumeRole(identityId, token) };
  }

  const { directory, onDirectoryError } = options;
  const identityKey = (caller: Caller) => `${userPoolId}\0${caller.sub}`;
  // Direct mode caches credentials per caller as well as per identity, so they are only ever
  // served to the token they were fetched with. Sealed mode derives the identity from the caller.
  const credentialsKey = (caller: Caller, id: string) => `${identityKey(caller)}\0${id}`;

  const loader = (caller: Caller, id: string) => async () => {
    try {
      return await fetchDirect(id, caller.idToken);
    } catch (error) {
      // The pool no longer knows (or no longer links) this identity: forget the cached ID so the
      // next request resolves it afresh instead of failing the same way for ever.
      if (isStaleIdentity(error)) identities.delete(identityKey(caller));
      throw error;
    }
  };

  /** `GetId`, then the directory updated (awaited, so the entry exists before we answer). */
  async function resolveWithGetId(caller: Caller, record: boolean): Promise<string> {
    const id = await fetchIdentityId(caller.idToken);
    if (directory && record) {
      try {
        await directory.record(userPoolId, caller.sub, id);
      } catch (error) {
        onDirectoryError?.('record', error);
      }
    }
    return id;
  }

  /** Only on a cache miss: the directory first, `GetId` when it has no entry or fails. */
  async function resolve(caller: Caller): Promise<string> {
    if (!directory) return resolveWithGetId(caller, false);
    let entry: string | undefined;
    try {
      entry = await directory.lookup(userPoolId, caller.sub);
    } catch (error) {
      // The directory never fails a request. Nor do we write after a failed read: the entry
      // probably exists, and a struggling table would only add a second timeout.
      onDirectoryError?.('lookup', error);
      return resolveWithGetId(caller, false);
    }
    if (entry === undefined) return resolveWithGetId(caller, true);
    const found = entry;
    // An entry is only a hint until the identity pool accepts it for this caller's token: verify
    // it before any route builds a key from it. The credentials fetched to do so are the ones the
    // request needs anyway, so a correct entry costs no extra call.
    try {
      await credentials.get(credentialsKey(caller, found), () => fetchDirect(found, caller.idToken));
      return found;
    } catch (error) {
      if (!isStaleIdentity(error)) throw error;
      // Refused (a wrong or outdated entry): GetId once and overwrite it. A second refusal, when
      // the credentials for GetId's answer are fetched, propagates as it would without a directory.
      return resolveWithGetId(caller, true);
    }
  }

  /** The cache slot and loader of a caller's credentials. */
  async function slot(caller: Caller): Promise<{ key: string; load: () => Promise<Minted> }> {
    if (mode === 'sealed') return { key: identityKey(caller), load: () => fetchSealed(caller) };
    const id = await identities.get(identityKey(caller), () => resolve(caller));
    return { key: credentialsKey(caller, id), load: loader(caller, id) };
  }

  async function session(caller: Caller, sessionOptions: SessionOptions = {}): Promise<IdentitySession> {
    const { key, load } = await slot(caller);
    let current = await credentials.get(key, load);
    if (
      sessionOptions.forceRefresh ||
      (sessionOptions.lifetimeSeconds !== undefined &&
        shouldRefreshForLifetime({
          nowMs: now(),
          lifetimeSeconds: sessionOptions.lifetimeSeconds,
          credentialsExpireAtMs: current.credentials.expiration.getTime(),
          credentialsObtainedAtMs: current.credentials.obtainedAt,
        }))
    ) {
      current = await credentials.refresh(key, load);
    }
    return { identityId: current.identityId, credentials: current.credentials };
  }

  return {
    async identityId(caller) {
      // Sealed mode learns the ID with the credentials; their cache makes the next request free.
      if (mode === 'sealed') return (await session(caller)).identityId;
      return identities.get(identityKey(caller), () => resolve(caller));
    },
    async identityIdOfUser(sub) {
      // The token is dropped: no session is ever made for a user who is not the caller.
      if (mode === 'sealed') return (await developerIdentity({ sub })).identityId;
      // Only the directory knows a direct-mode identity without the user's own token; its entries
      // are written by this function alone, after GetId with that user's token.
      const found = directory === undefined ? undefined : await directory.lookup(userPoolId, sub);
      if (found === undefined) {
        throw new UserNotReadyError('that user has not signed in yet: they have no identity to share with');
      }
      return found;
    },
    async forget(caller) {
      identities.delete(identityKey(caller));
      await directory?.remove(userPoolId, caller.sub);
    },
    session,
    async withSession(caller, sessionOptions, work) {
      const first = await session(caller, sessionOptions);
      try {
        return await work(first);
      } catch (error) {
        if (!isRejectedCredentials(error)) throw error;
        return work(await session(caller, { ...sessionOptions, forceRefresh: true }));
      }
    },
  };
}
