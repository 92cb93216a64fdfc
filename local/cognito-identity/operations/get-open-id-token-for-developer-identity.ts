/**
 * `GetOpenIdTokenForDeveloperIdentity`: an OpenID token for a user the developer provider vouches
 * for, with the principal tags the developer passes (the caller's groups). Only a request
 * SigV4-signed with the developer (function) credentials may call it, so only the function can put
 * tags in a token: no other operation reads any.
 */
import { AwsJsonError, verifyJsonSignature } from '../../core/aws-json';
import type { IdentityPool } from '../../core/credential-store';
import { isStringMap, type SessionTags, sessionTagsProblem } from '../../core/session-tags';
import type { IdentityContext, Operation, RawRequest } from '../context';
import { invalidParameter, notAuthorized, validation } from '../errors';
import { poolById } from '../identities';
import { ID_PATTERN, type Input, requireString } from '../input';

/** TokenDuration's bounds (seconds) and default. */
const MAX_TOKEN_DURATION_SECONDS = 86_400;
const DEFAULT_TOKEN_DURATION_SECONDS = 900;

export const getOpenIdTokenForDeveloperIdentity: Operation = async (context, input, raw) => {
  await verifyDeveloper(context, raw);
  const pool = poolById(context, requireString(input, 'IdentityPoolId', ID_PATTERN));
  const { providerName, identifier } = developerLoginOf(input, pool);
  const duration = tokenDurationOf(input);
  const tags = principalTagsOf(input);
  const identityId = context.store.identityIdFor(pool, providerName, identifier);
  if (input.IdentityId !== undefined && input.IdentityId !== identityId) {
    throw notAuthorized("Logins don't match. Please include at least one valid login for this identity.");
  }
  // As Cognito creates the identity: a logins-less call for it is then refused as a user's.
  context.store.recordAuthenticatedIdentity(pool.id, identityId);
  const amr = ['authenticated', providerName, `${providerName}:${pool.id}:${identifier}`];
  return { IdentityId: identityId, Token: context.openIdTokens.issue(pool, identityId, amr, duration, tags) };
};

/** Only the developer credentials, correctly signed, may act for a developer provider. */
async function verifyDeveloper(context: IdentityContext, raw: RawRequest): Promise<void> {
  const developer = context.developerCredentials;
  // Identity credentials a user obtained are recognised too, so that they meet the refusal IAM
  // would give them (their role has no Cognito permission) rather than "unknown key".
  const caller = await verifyJsonSignature(
    { method: raw.method, url: raw.path, headers: raw.headers },
    raw.body,
    {
      service: 'cognito-identity',
      region: context.region,
      principals: { ...(developer ? { function: developer } : {}), store: context.store },
    },
  );
  if (caller.kind !== 'function') {
    throw new AwsJsonError(
      'AccessDeniedException',
      'User is not authorized to perform: cognito-identity:GetOpenIdTokenForDeveloperIdentity',
    );
  }
}

/** The one `Logins` entry, `{ developerProviderName: userIdentifier }`, of the pool's provider. */
function developerLoginOf(input: Input, pool: IdentityPool): { providerName: string; identifier: string } {
  const logins = input.Logins;
  if (typeof logins !== 'object' || logins === null || Array.isArray(logins)) {
    throw validation("1 validation error detected: Value at 'logins' failed to satisfy constraint");
  }
  const entries = Object.entries(logins as Record<string, unknown>);
  const [providerName, identifier] = (entries[0] ?? []) as [string?, unknown?];
  if (entries.length !== 1 || !providerName) {
    throw invalidParameter('The local identity pool accepts exactly one login per request.');
  }
  if (!pool.developerProviderName || providerName !== pool.developerProviderName) {
    throw notAuthorized(`Invalid login provider: ${providerName}`);
  }
  if (typeof identifier !== 'string' || identifier.length === 0 || identifier.length > 128) {
    throw validation("1 validation error detected: Value at 'logins' failed to satisfy constraint");
  }
  return { providerName, identifier };
}

function tokenDurationOf(input: Input): number {
  const duration = input.TokenDuration ?? DEFAULT_TOKEN_DURATION_SECONDS;
  if (
    !Number.isInteger(duration) ||
    (duration as number) < 1 ||
    (duration as number) > MAX_TOKEN_DURATION_SECONDS
  ) {
    throw validation(
      "1 validation error detected: Value at 'tokenDuration' failed to satisfy constraint: Member must have value between 1 and 86400",
    );
  }
  return duration as number;
}

/** `PrincipalTags`: at most 50, keys 1-128 and values 1-256 characters of AWS's tag characters. */
function principalTagsOf(input: Input): SessionTags {
  const tags = input.PrincipalTags;
  if (tags === undefined || tags === null) return {};
  // A map of strings is the wire shape; anything else is refused by the protocol, as AWS does.
  if (!isStringMap(tags)) {
    throw new AwsJsonError('SerializationException', "'principalTags' must be a map of strings.");
  }
  const problem = sessionTagsProblem(tags);
  if (problem) throw invalidParameter(`Invalid principal tags: ${problem}.`);
  return Object.fromEntries(Object.entries(tags));
}
