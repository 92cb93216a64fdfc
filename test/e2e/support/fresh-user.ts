/**
 * A user of its own for a test that changes everything a user owns (`DELETE /me/data`), so the
 * suite's shared users, used by other files at the same time, are never touched. Needs the local
 * stack's admin keys (AdminCreateUser is IAM-authorized).
 */
import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createPoolUser } from '../../../local/stack/bootstrap';
import type { E2eTarget, TestUser } from './target';

/** What creating a user needs of a target: an `E2eTarget`, or the browser project's admin keys. */
export interface FreshUserTarget {
  readonly region: string;
  readonly userPoolId: string;
  readonly endpoints: { readonly cognitoIdp?: string };
  readonly localSecrets?: Pick<NonNullable<E2eTarget['localSecrets']>, 'adminCredentials'>;
}

export async function createFreshUser(target: FreshUserTarget, name: string): Promise<TestUser> {
  const credentials = target.localSecrets?.adminCredentials;
  if (!credentials) throw new Error('a fresh user needs the local stack’s admin keys (local target only)');
  const idp = new CognitoIdentityProviderClient({
    region: target.region,
    endpoint: target.endpoints.cognitoIdp,
    credentials,
  });
  const user = {
    username: `${name}-${randomBytes(4).toString('hex')}@example.com`,
    password: `Fresh-${randomBytes(9).toString('base64url')}1!`,
  };
  try {
    // As the demo users: confirmed, with a verified email (the name others see).
    await createPoolUser(idp, target.userPoolId, user);
    return user;
  } finally {
    idp.destroy();
  }
}
