/**
 * Sign-in against the user pool's public API: Cognito's JSON protocol over fetch (`InitiateAuth`
 * with USER_PASSWORD_AUTH, then REFRESH_TOKEN_AUTH before the ID token expires), which keeps the
 * Cognito SDK out of the bundle. Tokens live in memory only: a reload signs the user out, and no
 * script can find them in storage later.
 */

export interface UserPoolEndpoint {
  readonly endpoint: string;
  readonly clientId: string;
}

/** A refusal by the user pool, with Cognito's error type (`NotAuthorizedException`, ...). */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SessionOptions {
  /** @default Date.now */
  readonly now?: () => number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Refresh this long before the ID token expires, so a request never carries one about to lapse. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

interface AuthenticationResult {
  readonly IdToken?: string;
  readonly AccessToken?: string;
  readonly RefreshToken?: string;
  readonly ExpiresIn?: number;
}

async function initiateAuth(
  pool: UserPoolEndpoint,
  flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
  parameters: Record<string, string>,
  fetchImpl: typeof fetch,
): Promise<AuthenticationResult> {
  const response = await fetchImpl(pool.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `${TARGET_PREFIX}InitiateAuth`,
    },
    body: JSON.stringify({ ClientId: pool.clientId, AuthFlow: flow, AuthParameters: parameters }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    __type?: string;
    message?: string;
    Message?: string;
    AuthenticationResult?: AuthenticationResult;
    ChallengeName?: string;
  };
  if (!response.ok) {
    // `__type` may carry a namespace (`com.amazonaws...#NotAuthorizedException`).
    const type = (body.__type ?? response.headers.get('x-amzn-errortype') ?? 'UnknownError').split('#').pop();
    throw new SignInError(type ?? 'UnknownError', body.message ?? body.Message ?? `HTTP ${response.status}`);
  }
  if (body.ChallengeName) {
    throw new SignInError(
      body.ChallengeName,
      `The user pool asks for ${body.ChallengeName}, which this console does not handle.`,
    );
  }
  if (!body.AuthenticationResult?.IdToken) {
    throw new SignInError('NoTokens', 'The user pool returned no tokens.');
  }
  return body.AuthenticationResult;
}

export interface Session {
  readonly username: string;
  /** A current ID token, refreshed first when it is within `REFRESH_MARGIN_MS` of expiry. */
  idToken(): Promise<string>;
}

export async function signIn(
  pool: UserPoolEndpoint,
  username: string,
  password: string,
  options: SessionOptions = {},
): Promise<Session> {
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const first = await initiateAuth(
    pool,
    'USER_PASSWORD_AUTH',
    { USERNAME: username, PASSWORD: password },
    fetchImpl,
  );
  const refreshToken = first.RefreshToken;
  let idToken = first.IdToken ?? '';
  let expiresAt = now() + (first.ExpiresIn ?? 3600) * 1000;
  // One refresh at a time: concurrent requests near expiry share it.
  let refreshing: Promise<string> | undefined;

  const refresh = async (): Promise<string> => {
    if (!refreshToken) throw new SignInError('NoRefreshToken', 'The session expired; sign in again.');
    const result = await initiateAuth(pool, 'REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken }, fetchImpl);
    idToken = result.IdToken ?? '';
    expiresAt = now() + (result.ExpiresIn ?? 3600) * 1000;
    return idToken;
  };

  return {
    username,
    idToken() {
      if (now() < expiresAt - REFRESH_MARGIN_MS) return Promise.resolve(idToken);
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
}
