/**
 * STS `AssumeRoleWithWebIdentity`: the identity pool's authenticated role, assumed for one identity
 * with its OpenID token, and the answer checked to be complete and for exactly that identity.
 */
import { AssumeRoleWithWebIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { UpstreamError } from '../../../shared/domain/errors';
import { isTransient } from '../errors';
import { type RetryOptions, withRetries } from '../retry';
import type { IdentityCredentials } from './types';

/** Failures other than transient ones are ours or the pool's, never the caller's: 502. */
export function upstreamUnlessTransient(message: string) {
  return (error: unknown): never => {
    if (isTransient(error)) throw error;
    throw new UpstreamError(message);
  };
}

export interface AssumeRoleOptions {
  readonly sts: STSClient;
  readonly roleArn: string;
  readonly sessionDurationSeconds: number;
  readonly retry: RetryOptions;
  readonly now: () => number;
}

/** STS: the role's session for an identity's OpenID token. */
export async function assumeRole(
  options: AssumeRoleOptions,
  identityId: string,
  token: string,
): Promise<IdentityCredentials> {
  const output = await withRetries(
    () =>
      options.sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: options.roleArn,
          // Shows in CloudTrail: which identity acted, without naming the user.
          RoleSessionName: `user-files-${identityId.slice(identityId.indexOf(':') + 1)}`,
          WebIdentityToken: token,
          DurationSeconds: options.sessionDurationSeconds,
        }),
      ),
    isTransient,
    options.retry,
  ).catch(upstreamUnlessTransient('STS refused the identity token'));
  const issued = output.Credentials;
  if (
    !issued?.AccessKeyId ||
    !issued.SecretAccessKey ||
    !issued.SessionToken ||
    !(issued.Expiration instanceof Date) ||
    Number.isNaN(issued.Expiration.getTime())
  ) {
    throw new UpstreamError('AssumeRoleWithWebIdentity returned incomplete credentials');
  }
  // The policy variable S3 resolves is the token's subject: it must be the ID we build keys with.
  if (output.SubjectFromWebIdentityToken !== identityId) {
    throw new UpstreamError('AssumeRoleWithWebIdentity answered for another identity');
  }
  return {
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
    expiration: issued.Expiration,
    obtainedAt: options.now(),
  };
}
