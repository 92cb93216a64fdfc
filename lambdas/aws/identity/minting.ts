/**
 * Minting sessions upstream, in either access mode, each call retried with backoff when transient:
 * - direct: `GetId` and `GetOpenIdToken` with the caller's own ID token, then STS;
 * - sealed: `GetOpenIdTokenForDeveloperIdentity` for the developer login (signed with the
 *   function's role), then STS; the user's token never reaches Cognito Identity;
 * - guest (either mode): `GetId` and `GetOpenIdToken` without logins, then STS on the
 *   unauthenticated role.
 */
import {
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { UpstreamError } from '../../../shared/domain/errors';
import { groupTags } from '../../../shared/domain/groups';
import { isIdentityId } from '../../../shared/domain/keys';
import { isTransient } from '../errors';
import { withRetries } from '../retry';
import { type AssumeRoleOptions, assumeRole, upstreamUnlessTransient } from './assume-role';
import { developerIdentifier } from './developer-login';
import type { Caller, IdentityCredentials, IdentityServiceOptions } from './types';

/** A session as minted and cached: the identity and its credentials. */
export interface Minted {
  readonly identityId: string;
  readonly credentials: IdentityCredentials;
}

export interface Minter {
  /** Direct mode: `GetId` for the caller's ID token. */
  identityIdOf(idToken: string): Promise<string>;
  /** Direct mode: the pool checks the caller's ID token against the identity, then STS. */
  direct(identityId: string, idToken: string): Promise<Minted>;
  /**
   * Sealed mode: the identity ID (and a token) of a developer login, signed by the function's role;
   * with `groups`, the token carries them as principal tags (slot `i` holds `groups[i]`).
   */
  developerIdentity(
    caller: Pick<Caller, 'sub'>,
    groups?: readonly string[],
  ): Promise<{ identityId: string; token: string }>;
  /** Sealed mode: one signed call yields the identity ID and its token (tagged with `groups`); then STS. */
  sealed(caller: Caller, groups: readonly string[]): Promise<Minted>;
  /** A new unauthenticated identity: `GetId` without logins. */
  newGuestIdentity(): Promise<string>;
  /** The guest identity's session: `GetOpenIdToken` without logins, then STS on `guestRoleArn`. */
  guest(identityId: string, guestRoleArn: string): Promise<Minted>;
}

type MinterOptions = Pick<
  IdentityServiceOptions,
  'client' | 'identityPoolId' | 'loginsKey' | 'userPoolId' | 'developerProviderName'
> &
  AssumeRoleOptions;

export function createMinter(options: MinterOptions): Minter {
  const { client, identityPoolId, userPoolId, retry } = options;
  const logins = (idToken: string) => ({ [options.loginsKey]: idToken });

  async function developerIdentity(caller: Pick<Caller, 'sub'>, groups: readonly string[] = []) {
    const output = await withRetries(
      () =>
        client.send(
          new GetOpenIdTokenForDeveloperIdentityCommand({
            IdentityPoolId: identityPoolId,
            Logins: { [options.developerProviderName as string]: developerIdentifier(userPoolId, caller) },
            // Session tags the role's policy reads: none, no group (fails closed).
            ...(groups.length > 0 ? { PrincipalTags: groupTags(groups) } : {}),
          }),
        ),
      isTransient,
      retry,
    ).catch(upstreamUnlessTransient('the identity pool refused the developer login'));
    if (!isIdentityId(output.IdentityId) || !output.Token) {
      throw new UpstreamError('GetOpenIdTokenForDeveloperIdentity returned no valid identity');
    }
    return { identityId: output.IdentityId, token: output.Token };
  }

  return {
    async identityIdOf(idToken) {
      const output = await withRetries(
        () => client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idToken) })),
        isTransient,
        retry,
      );
      // The ID becomes part of every S3 key we build: refuse anything that is not one.
      if (!isIdentityId(output.IdentityId)) throw new UpstreamError('GetId returned no valid identity ID');
      return output.IdentityId;
    },
    async direct(identityId, idToken) {
      const output = await withRetries(
        () => client.send(new GetOpenIdTokenCommand({ IdentityId: identityId, Logins: logins(idToken) })),
        isTransient,
        retry,
      );
      if (output.IdentityId !== identityId || !output.Token) {
        throw new UpstreamError('GetOpenIdToken returned no token for this identity');
      }
      return { identityId, credentials: await assumeRole(options, identityId, output.Token) };
    },
    developerIdentity,
    async sealed(caller, groups) {
      const { identityId, token } = await developerIdentity(caller, groups);
      return { identityId, credentials: await assumeRole(options, identityId, token) };
    },
    async newGuestIdentity() {
      const output = await withRetries(
        () => client.send(new GetIdCommand({ IdentityPoolId: identityPoolId })),
        isTransient,
        retry,
      );
      if (!isIdentityId(output.IdentityId)) throw new UpstreamError('GetId returned no valid guest identity');
      return output.IdentityId;
    },
    async guest(identityId, guestRoleArn) {
      const output = await withRetries(
        () => client.send(new GetOpenIdTokenCommand({ IdentityId: identityId })),
        isTransient,
        retry,
      );
      if (output.IdentityId !== identityId || !output.Token) {
        throw new UpstreamError('GetOpenIdToken returned no token for the guest identity');
      }
      const role = { ...options, roleArn: guestRoleArn };
      return { identityId, credentials: await assumeRole(role, identityId, output.Token) };
    },
  };
}
