/**
 * The identity adapter: the caller's identity ID (`GetId`) and temporary credentials
 * (`GetCredentialsForIdentity`) from the identity pool, with the caller's verified ID token in
 * `Logins`. Both are cached per instance (bounded, single flight), so a warm request makes no
 * Cognito call at all: Cognito's GetId quota is low and AWS asks callers to cache it. With an
 * identity directory (see `identity-directory.ts`), a cold instance looks a returning user's ID up
 * there before asking `GetId`.
 */
import {
  CognitoIdentityClient,
  type CognitoIdentityClientConfig,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { ExpiringCache } from '../../shared/cache/expiring-cache';
import { UpstreamError } from '../../shared/domain/errors';
import { credentialsUsableUntil, shouldRefreshForLifetime } from '../../shared/domain/expiry';
import { isIdentityId } from '../../shared/domain/keys';
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
  /** Created once per instance (see `createCognitoIdentityClient`). */
  readonly client: CognitoIdentityClient;
  readonly userPoolId: string;
  readonly identityPoolId: string;
  /** `cognito-idp.{region}.amazonaws.com/{userPoolId}`. */
  readonly loginsKey: string;
  readonly now?: () => number;
  /** Identity IDs kept (they never change for a user). @default 10000 */
  readonly maxIdentities?: number;
  /** Credential sets kept. @default 1000 */
  readonly maxCredentials?: number;
  /** Stop serving cached credentials this long before they expire. @default 300000 (5 min) */
  readonly refreshMarginMs?: number;
  readonly retry?: RetryOptions;
  /** Where identity IDs persist across instances. Absent: every new instance asks `GetId`. */
  readonly directory?: IdentityDirectory;
  /** Told when the directory fails; the request goes on without it. Never given the token. */
  readonly onDirectoryError?: (operation: 'lookup' | 'record', error: unknown) => void;
}

/**
 * Request timeouts for Cognito: with 3 attempts the worst case stays near 7 s. Without
 * `throwOnRequestTimeout` the SDK's handler only logs a warning when `requestTimeout` passes and
 * keeps waiting, so a hung endpoint would hold the request until the function itself times out.
 */
export const COGNITO_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 2_000,
  throwOnRequestTimeout: true,
} as const;

/**
 * The Cognito Identity client. `GetId` and `GetCredentialsForIdentity` are unsigned calls, so it
 * needs no credentials of its own; retries are `withRetries`' job (see `retry.ts`), hence one attempt.
 * The endpoint comes from the SDK's standard configuration (`AWS_ENDPOINT_URL_COGNITO_IDENTITY`).
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

export function createIdentityService(options: IdentityServiceOptions): IdentityService {
  const now = options.now ?? Date.now;
  const retry = options.retry ?? DEFAULT_RETRY;
  const marginMs = options.refreshMarginMs ?? 300_000;
  const { client, identityPoolId, loginsKey, userPoolId } = options;

  const identities = new ExpiringCache<string, string>({
    max: options.maxIdentities ?? 10_000,
    now,
  });
  const credentials = new ExpiringCache<string, IdentityCredentials>({
    max: options.maxCredentials ?? 1_000,
    now,
    expiresAt: (value) =>
      credentialsUsableUntil({
        expireAtMs: value.expiration.getTime(),
        obtainedAtMs: value.obtainedAt,
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

  async function fetchCredentials(identityId: string, idToken: string): Promise<IdentityCredentials> {
    const output = await withRetries(
      () =>
        client.send(
          new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins(idToken) }),
        ),
      isTransient,
      retry,
    );
    const issued = output.Credentials;
    if (
      !issued?.AccessKeyId ||
      !issued.SecretKey ||
      !issued.SessionToken ||
      !(issued.Expiration instanceof Date) ||
      Number.isNaN(issued.Expiration.getTime())
    ) {
      throw new UpstreamError('GetCredentialsForIdentity returned incomplete credentials');
    }
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration,
      obtainedAt: now(),
    };
  }

  const { directory, onDirectoryError } = options;
  const identityKey = (caller: Caller) => `${userPoolId}\0${caller.sub}`;
  // Credentials are cached per caller as well as per identity, so they are only ever served to
  // the token they were fetched with.
  const credentialsKey = (caller: Caller, id: string) => `${identityKey(caller)}\0${id}`;

  const loader = (caller: Caller, id: string) => async () => {
    try {
      return await fetchCredentials(id, caller.idToken);
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
      await credentials.get(credentialsKey(caller, found), () => fetchCredentials(found, caller.idToken));
      return found;
    } catch (error) {
      if (!isStaleIdentity(error)) throw error;
      // Refused (a wrong or outdated entry): GetId once and overwrite it. A second refusal, when
      // the credentials for GetId's answer are fetched, propagates as it would without a directory.
      return resolveWithGetId(caller, true);
    }
  }

  const identityId = (caller: Caller) => identities.get(identityKey(caller), () => resolve(caller));

  async function session(caller: Caller, sessionOptions: SessionOptions = {}): Promise<IdentitySession> {
    const id = await identityId(caller);
    const key = credentialsKey(caller, id);
    const load = loader(caller, id);
    let current = await credentials.get(key, load);
    if (
      sessionOptions.forceRefresh ||
      (sessionOptions.lifetimeSeconds !== undefined &&
        shouldRefreshForLifetime({
          nowMs: now(),
          lifetimeSeconds: sessionOptions.lifetimeSeconds,
          credentialsExpireAtMs: current.expiration.getTime(),
          credentialsObtainedAtMs: current.obtainedAt,
        }))
    ) {
      current = await credentials.refresh(key, load);
    }
    return { identityId: id, credentials: current };
  }

  return {
    identityId,
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
