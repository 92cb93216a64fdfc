/**
 * A user's identity ID from their username, found as the API function finds it: the user pool gives
 * their `sub`; then, in sealed mode, the identity pool's developer login `{userPoolId}:{sub}`
 * (`GetOpenIdTokenForDeveloperIdentity`, whose token is never used); in direct mode, the function's
 * sub-to-identity directory. Their ledger partition is keyed by that ID.
 */
import {
  DescribeIdentityPoolCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { developerIdentifier } from '../lambdas/aws/identity/developer-login';
import { createIdentityDirectory } from '../lambdas/aws/identity-directory';
import { isIdentityId } from '../shared/domain/keys';
import { UsageError, type UsersContext } from './users-stack';

/** The user has no identity yet, and none can be known before their first sign-in. */
class NotSignedInError extends Error {
  override name = 'NotSignedIn';
}

/** The user's `sub`, from the user pool (a missing user is the pool's UserNotFoundException). */
export async function subOf(context: UsersContext, username: string): Promise<string> {
  const user = await context.idp.send(
    new AdminGetUserCommand({ UserPoolId: context.target.userPoolId, Username: username }),
  );
  const sub = user.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value;
  if (sub === undefined) throw new Error(`the user pool gave no sub for ${username}`);
  return sub;
}

/**
 * Sealed mode: the developer login's identity. The login alone fixes it, so it is the identity the
 * user gets (or got) at sign-in, and it can be found before their first one.
 */
async function sealedIdentityId(context: UsersContext, sub: string): Promise<string> {
  const { identityPoolId, userPoolId } = context.target;
  if (identityPoolId === undefined) {
    throw new UsageError(`${context.target.outputsFile} names no IdentityPoolId`);
  }
  const identity = await context.identity();
  const pool = await identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }));
  const provider = pool.DeveloperProviderName;
  if (provider === undefined) {
    throw new UsageError(`identity pool ${identityPoolId} has no developer provider: is the stack sealed?`);
  }
  const output = await identity.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: identityPoolId,
      Logins: { [provider]: developerIdentifier(userPoolId, { sub }) },
      // Only the identity ID is wanted: the token lives as short as Cognito allows, and is dropped.
      TokenDuration: 1,
    }),
  );
  if (!isIdentityId(output.IdentityId)) throw new Error('the identity pool returned no valid identity ID');
  return output.IdentityId;
}

/** Direct mode: the function's directory entry, written when the user first signs in. */
async function directIdentityId(context: UsersContext, username: string, sub: string): Promise<string> {
  const table = context.target.directoryTable;
  if (table === undefined) {
    throw new UsageError(
      `${context.target.outputsFile} names no IdentityDirectoryTable: pass --directory-table <name> (the stack's identity directory)`,
    );
  }
  const directory = createIdentityDirectory({ client: await context.dynamo(), tableName: table });
  const found = await directory.lookup(context.target.userPoolId, sub);
  if (found === undefined) {
    throw new NotSignedInError(
      `${username} has not signed in yet: in direct mode a user's identity ID exists only after their first sign-in`,
    );
  }
  return found;
}

/** The identity ID the user's storage and ledger partition are keyed by. */
export async function identityIdOf(context: UsersContext, username: string): Promise<string> {
  const sub = await subOf(context, username);
  const mode = context.target.accessMode;
  if (mode === 'sealed') return sealedIdentityId(context, sub);
  if (mode === 'direct') return directIdentityId(context, username, sub);
  throw new UsageError(`${context.target.outputsFile} names no AccessMode (sealed or direct): deploy again`);
}
