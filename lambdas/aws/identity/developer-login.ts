/** Sealed mode's developer login: the one place the function builds the identifier it mints tokens for. */
import { UnauthorizedError } from '../../../shared/domain/errors';
import type { Caller } from './types';

/**
 * The developer-provider login of a caller in sealed mode: `{userPoolId}:{sub}`. The function may
 * mint a token for ANY identifier, so this is the one place it is built, and only from the
 * authorizer-verified `sub` and the configured user pool: never from the request.
 */
export function developerIdentifier(userPoolId: string, caller: Pick<Caller, 'sub'>): string {
  // A Cognito `sub` is a UUID; anything else (empty, separators) must not become a login.
  if (!/^[0-9a-fA-F-]{1,128}$/.test(caller.sub)) {
    throw new UnauthorizedError('the verified token has no usable subject');
  }
  return `${userPoolId}:${caller.sub}`;
}
