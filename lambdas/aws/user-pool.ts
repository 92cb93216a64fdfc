/**
 * The user pool as the function reads it, on this deployment's pool only: one user, by username
 * (or an alias the pool allows), with `AdminGetUser`; and one page of a group's members, with
 * `ListUsersInGroup`. Sharing and `GET /users/{username}` name users this way; the answer's `sub`
 * is what the user's identity is then derived from, so it is the pool's word, never the request's.
 */
import {
  AdminGetUserCommand,
  type AttributeType,
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { NoSuchUserError, UpstreamError, ValidationError } from '../../shared/domain/errors';
import { type Named, verifiedEmail } from '../../shared/domain/usernames';
import { isTransient } from './errors';
import { COGNITO_TIMEOUTS } from './identity';
import { DEFAULT_RETRY, type RetryOptions, withRetries } from './retry';

export interface PoolUser extends Named {
  readonly sub: string;
  /** The user's username as the pool stores it (an alias such as an email resolves to it). */
  readonly username: string;
}

export interface MembersPage {
  /** The members, in the pool's order; disabled users are left out. */
  readonly members: Named[];
  /** The pool's own `NextToken`, when there may be more. */
  readonly next?: string;
}

export interface UserPool {
  /** The user named `name`; NoSuchUserError when the pool has none. */
  findUser(name: string): Promise<PoolUser>;
  /**
   * One page of `group`'s members, after the pool's `next` token; a token the pool refuses is a
   * 400 naming `cursor`, a group the pool no longer has an empty page.
   */
  membersOf(group: string, page: { readonly limit: number; readonly next?: string }): Promise<MembersPage>;
}

/**
 * The user pool client, created once per instance (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`
 * sets the endpoint locally). Retries are `withRetries`' job, hence one attempt.
 */
export function createUserPoolClient(
  region: string,
  overrides: Partial<CognitoIdentityProviderClientConfig> = {},
): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region,
    maxAttempts: 1,
    requestHandler: COGNITO_TIMEOUTS,
    ...overrides,
  });
}

const SUB = /^[0-9a-fA-F-]{1,128}$/;

/** The verified email among a user's attributes, if any. */
function emailOf(attributes: readonly AttributeType[] | undefined): { email?: string } {
  const value = (name: string) => attributes?.find((attribute) => attribute.Name === name)?.Value;
  const email = verifiedEmail(value('email'), value('email_verified'));
  return email === undefined ? {} : { email };
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** A transient failure goes on as it is (mapped once, in the problem layer); anything else is the pool's refusal. */
function refusal(error: unknown, what: string): never {
  if (isTransient(error)) throw error;
  throw new UpstreamError(`the user pool refused the ${what}`);
}

export function createUserPool(options: {
  readonly client: CognitoIdentityProviderClient;
  readonly userPoolId: string;
  readonly retry?: RetryOptions;
}): UserPool {
  const { client, userPoolId } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  return {
    async findUser(name) {
      const output = await withRetries(
        () => client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: name })),
        isTransient,
        retry,
      ).catch((error: unknown): never => {
        if (errorName(error) === 'UserNotFoundException') throw new NoSuchUserError('no user has that name');
        return refusal(error, 'lookup');
      });
      // A disabled user keeps their files but receives no new shares.
      if (output.Enabled === false) throw new NoSuchUserError('no user has that name');
      const sub = output.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value;
      if (sub === undefined || !SUB.test(sub) || !output.Username) {
        throw new UpstreamError('AdminGetUser returned no usable subject');
      }
      return { sub, username: output.Username, ...emailOf(output.UserAttributes) };
    },

    async membersOf(group, { limit, next }) {
      const output = await withRetries(
        () =>
          client.send(
            new ListUsersInGroupCommand({
              UserPoolId: userPoolId,
              GroupName: group,
              Limit: limit,
              ...(next === undefined ? {} : { NextToken: next }),
            }),
          ),
        isTransient,
        retry,
      ).catch((error: unknown): never | undefined => {
        const name = errorName(error);
        // The caller's token still names a group an administrator has since deleted.
        if (name === 'ResourceNotFoundException') return undefined;
        if (name === 'InvalidParameterException' && next !== undefined) {
          throw ValidationError.of('cursor', 'was not accepted by the user pool; start again');
        }
        return refusal(error, 'member listing');
      });
      const members = (output?.Users ?? []).flatMap((user) =>
        user.Enabled === false || !user.Username
          ? []
          : [{ username: user.Username, ...emailOf(user.Attributes) }],
      );
      return { members, ...(output?.NextToken ? { next: output.NextToken } : {}) };
    },
  };
}
