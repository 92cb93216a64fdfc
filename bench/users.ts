/**
 * Users of a local stack for the load runs: sign-in (the app client's USER_PASSWORD_AUTH flow, as
 * a real app signs in) and extra users created in the local user pool through moto's endpoint, the
 * way the bootstrap creates the demo users.
 */
import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createPoolUser, type DemoUser, passwordSignIn } from '../local/bootstrap';
import type { LocalStackOutputs } from '../local/local-stack';

export interface SignedIn {
  readonly username: string;
  /** Never printed: only passed to the load driver. */
  readonly idToken: string;
}

function userPoolClient(outputs: LocalStackOutputs): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: outputs.Region,
    endpoint: outputs.CognitoIdpEndpoint,
    // moto checks no signatures, but the SDK signs every admin call: any key will do.
    credentials: { accessKeyId: 'local-admin', secretAccessKey: 'local-admin' },
  });
}

export async function signIn(outputs: LocalStackOutputs, users: readonly DemoUser[]): Promise<SignedIn[]> {
  const client = userPoolClient(outputs);
  try {
    return await Promise.all(
      users.map(async (user) => {
        const { idToken } = await passwordSignIn(client, outputs.UserPoolClientId, user);
        return { username: user.username, idToken };
      }),
    );
  } finally {
    client.destroy();
  }
}

/** Creates `count` confirmed users with fresh random passwords. */
export async function createUsers(
  outputs: LocalStackOutputs,
  count: number,
  prefix = 'load',
): Promise<DemoUser[]> {
  const client = userPoolClient(outputs);
  const users = Array.from({ length: count }, (_, i) => ({
    username: `${prefix}-${i + 1}@example.com`,
    password: `Load-${randomBytes(9).toString('base64url')}-7a`,
  }));
  try {
    for (const user of users) {
      await createPoolUser(client, outputs.UserPoolId, user);
    }
    return users;
  } finally {
    client.destroy();
  }
}
