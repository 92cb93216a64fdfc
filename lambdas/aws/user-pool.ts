/**
 * The user pool as the function reads it: one user, by username (or an alias the pool allows), with
 * `AdminGetUser` on this deployment's pool only. Sharing names the grantee this way; the answer's
 * `sub` is what the grantee's identity is then derived from, so it is the pool's word, never the
 * request's.
 */
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import { NoSuchUserError, UpstreamError } from '../../shared/domain/errors';
import { isTransient } from './errors';
import { COGNITO_TIMEOUTS } from './identity';
import { DEFAULT_RETRY, type RetryOptions, withRetries } from './retry';

export interface PoolUser {
  readonly sub: string;
  /** The user's username as the pool stores it (an alias such as an email resolves to it). */
  readonly username: string;
}

export interface UserPool {
  /** The user named `name`; NoSuchUserError when the pool has none. */
  findUser(name: string): Promise<PoolUser>;
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

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
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
        if (isTransient(error)) throw error;
        throw new UpstreamError('the user pool refused the lookup');
      });
      // A disabled user keeps their files but receives no new shares.
      if (output.Enabled === false) throw new NoSuchUserError('no user has that name');
      const sub = output.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value;
      if (sub === undefined || !SUB.test(sub) || !output.Username) {
        throw new UpstreamError('AdminGetUser returned no usable subject');
      }
      return { sub, username: output.Username };
    },
  };
}
