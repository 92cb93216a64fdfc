/**
 * Password sign-in (InitiateAuth, USER_PASSWORD_AUTH) for tests and the bench: a user's ID and
 * access tokens from a user pool app client, as an app gets them. Sign-in is a public operation:
 * the SDK sends it unsigned, so no AWS credentials are given.
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { LocalStackOutputs } from '../../local/stack/local-stack';

/** Where to sign in: the app client, and the user pool's endpoint (AWS's own when omitted). */
export interface AppClient {
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly clientId: string;
}

/** The app client of a local stack, through its user-pool front door. */
export function localAppClient(
  outputs: Pick<LocalStackOutputs, 'Region' | 'CognitoIdpEndpoint' | 'UserPoolClientId'>,
): AppClient {
  return { region: outputs.Region, endpoint: outputs.CognitoIdpEndpoint, clientId: outputs.UserPoolClientId };
}

export interface PasswordUser {
  readonly username: string;
  readonly password: string;
}

export interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
}

/** A fresh sign-in: every call returns new tokens. */
export async function signInWithPassword(appClient: AppClient, user: PasswordUser): Promise<Tokens> {
  const client = new CognitoIdentityProviderClient({
    region: appClient.region,
    ...(appClient.endpoint ? { endpoint: appClient.endpoint } : {}),
  });
  try {
    const result = await client.send(
      new InitiateAuthCommand({
        ClientId: appClient.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
      }),
    );
    const idToken = result.AuthenticationResult?.IdToken;
    const accessToken = result.AuthenticationResult?.AccessToken;
    if (!idToken || !accessToken) {
      throw new Error(`sign-in of ${user.username} returned no tokens (a challenge?)`);
    }
    return { idToken, accessToken };
  } finally {
    client.destroy();
  }
}
