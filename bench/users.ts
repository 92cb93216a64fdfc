/**
 * Users of a local stack for the load runs: sign-in (the app client's USER_PASSWORD_AUTH flow, as
 * a real app signs in) and extra users created in the local user pool through its front door with
 * the stack's admin keys, the way the bootstrap creates the demo users.
 */
import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createPoolUser, type DemoUser } from '../local/stack/bootstrap';
import type { LocalStack, LocalStackOutputs } from '../local/stack/local-stack';
import { localAppClient, signInWithPassword } from '../test/support/sign-in';

export interface SignedIn {
  readonly username: string;
  /** Never printed: only passed to the load driver. */
  readonly idToken: string;
}

export function signIn(outputs: LocalStackOutputs, users: readonly DemoUser[]): Promise<SignedIn[]> {
  return Promise.all(
    users.map(async (user) => {
      const { idToken } = await signInWithPassword(localAppClient(outputs), user);
      return { username: user.username, idToken };
    }),
  );
}

/** Creates `count` confirmed users with fresh random passwords. */
export async function createUsers(stack: LocalStack, count: number, prefix = 'load'): Promise<DemoUser[]> {
  const { outputs } = stack;
  const client = new CognitoIdentityProviderClient({
    region: outputs.Region,
    endpoint: outputs.CognitoIdpEndpoint,
    credentials: stack.adminCredentials,
  });
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
