import {
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';

/** The stack's outputs a web app needs: `Region` and `UserPoolClientId`. */
export interface UserPoolConfig {
  readonly region: string;
  readonly userPoolClientId: string;
  /** Only for the local stack: its `CognitoIdpEndpoint`. */
  readonly endpoint?: string;
}

export interface Session {
  /** Send this one to the API: the ID token, not the access token. */
  readonly idToken: string;
  readonly refreshToken: string;
  /** When the ID token expires (ms since the epoch). */
  readonly expiresAt: number;
}

function userPool(config: UserPoolConfig): CognitoIdentityProviderClient {
  // InitiateAuth needs no AWS credentials: the app client is public (no secret).
  const options: CognitoIdentityProviderClientConfig = { region: config.region };
  if (config.endpoint) options.endpoint = config.endpoint;
  return new CognitoIdentityProviderClient(options);
}

/** Password sign-in (USER_PASSWORD_AUTH; the app client also allows SRP). */
export async function signIn(config: UserPoolConfig, email: string, password: string): Promise<Session> {
  const { AuthenticationResult: result, ChallengeName } = await userPool(config).send(
    new InitiateAuthCommand({
      ClientId: config.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  if (!result?.IdToken || !result.RefreshToken) {
    throw new Error(`sign-in needs another step: ${ChallengeName ?? 'no tokens returned'}`);
  }
  return {
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
  };
}

/** A new ID token from the refresh token (REFRESH_TOKEN_AUTH), without asking for the password. */
export async function refresh(config: UserPoolConfig, session: Session): Promise<Session> {
  const { AuthenticationResult: result } = await userPool(config).send(
    new InitiateAuthCommand({
      ClientId: config.userPoolClientId,
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    }),
  );
  if (!result?.IdToken) throw new Error('the refresh token was refused: sign in again');
  return {
    idToken: result.IdToken,
    refreshToken: result.RefreshToken ?? session.refreshToken,
    expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
  };
}

/** The current ID token, refreshed a minute before it expires. */
export function idTokenSource(config: UserPoolConfig, first: Session): () => Promise<string> {
  let session = first;
  return async () => {
    if (Date.now() > session.expiresAt - 60_000) session = await refresh(config, session);
    return session.idToken;
  };
}
