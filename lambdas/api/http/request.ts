/**
 * Reading a REST-API proxy event: the authenticated caller, the query and the JSON body, each
 * validated strictly (unknown fields are refused by name) before a route does anything.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { UnauthorizedError, ValidationError } from '../../../shared/domain/errors';
import { verifiedEmail } from '../../../shared/domain/usernames';
import type { Caller } from '../../aws/identity';
import { fromZodError } from './problem';

/** Bodies are small JSON documents; anything longer is refused before parsing. */
const MAX_BODY_CHARACTERS = 16 * 1024;

const BEARER = /^Bearer\s+/i;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A header by name, case-insensitively (REST-API events keep the client's casing). */
export function readHeader(event: APIGatewayProxyEvent, name: string): string | undefined {
  const headers = event.headers;
  if (headers == null) return undefined;
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const key in headers) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

/**
 * The caller: the raw ID token from `Authorization` (optionally `Bearer `-prefixed) and the claims
 * API Gateway's Cognito authorizer verified. Only ID tokens of `clientIds` are accepted, checked
 * here before any cache is consulted: the identity pool needs an ID token of one of its app
 * clients, and the authorizer accepts a token of any app client of the pool, so without this a warm
 * instance would serve cached credentials to a token the identity pool itself refuses.
 */
export function authenticate(event: APIGatewayProxyEvent, clientIds: readonly string[]): Caller {
  const authorization = readHeader(event, 'Authorization');
  const idToken = authorization?.replace(BEARER, '').trim();
  if (!idToken)
    throw new UnauthorizedError("send the signed-in user's Cognito ID token in the Authorization header");
  if (!JWT.test(idToken))
    throw new UnauthorizedError(
      "the Authorization header does not hold a JWT: send the user's Cognito ID token",
    );
  const claims: unknown = event.requestContext?.authorizer?.claims;
  if (typeof claims !== 'object' || claims === null) {
    throw new UnauthorizedError(
      "the token was not verified by the authorizer: send the user's Cognito ID token",
    );
  }
  const {
    sub,
    aud,
    token_use: tokenUse,
    'cognito:username': username,
    email,
    email_verified: emailVerified,
  } = claims as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '')
    throw new UnauthorizedError("the verified token has no subject: send the user's Cognito ID token");
  if (tokenUse !== 'id')
    throw new UnauthorizedError(
      "this is an access token: send the user's ID token (AuthenticationResult.IdToken)",
    );
  if (typeof aud !== 'string' || !clientIds.includes(aud)) {
    throw new UnauthorizedError('the ID token was issued to an app client this API does not serve');
  }
  // Credentials are cached by the claims' `sub` but fetched with the header's token: they must be
  // the same token's, or one user could be served another's cached credentials.
  const payload = tokenPayload(idToken);
  if (payload.sub !== sub || payload.aud !== aud) {
    throw new UnauthorizedError(
      'the Authorization token is not the one the authorizer verified: send one ID token',
    );
  }
  const verified = verifiedEmail(email, emailVerified);
  return {
    sub,
    username: typeof username === 'string' && username !== '' ? username : sub,
    ...(verified === undefined ? {} : { email: verified }),
    idToken,
    groups: groupsClaim(payload['cognito:groups']),
  };
}

/**
 * The user-pool groups of the verified token, from the token itself: the one the authorizer
 * verified (checked above), where the claim is still a JSON array (the authorizer flattens it).
 */
function groupsClaim(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : [];
}

/** A JWT's payload claims (not verified here: the authorizer verified the token). */
function tokenPayload(jwt: string): { sub?: unknown; aud?: unknown; 'cognito:groups'?: unknown } {
  try {
    const payload: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null ? payload : {};
  } catch {
    return {};
  }
}

/** The query, validated by `schema`; a parameter given more than once is refused by name. */
export function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  const multi = event.multiValueQueryStringParameters;
  if (multi != null) {
    for (const [name, values] of Object.entries(multi)) {
      if (values !== undefined && values.length > 1)
        throw ValidationError.of(name, 'must be given only once');
    }
  }
  const result = schema.safeParse(event.queryStringParameters ?? {});
  if (!result.success) throw fromZodError(result.error, 'query');
  return result.data;
}

/**
 * The JSON object body, validated by `schema`. Missing, oversized or non-JSON bodies name `body`.
 * `maxCharacters` is raised only by routes whose bodies carry many items (batches).
 */
export function parseBody<S extends z.ZodType>(
  event: APIGatewayProxyEvent,
  schema: S,
  maxCharacters = MAX_BODY_CHARACTERS,
): z.output<S> {
  if (event.body == null || event.body === '') throw ValidationError.of('body', 'a JSON object is required');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (text.length > maxCharacters) {
    throw ValidationError.of('body', `must be at most ${maxCharacters} characters`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input: never pass it on.
    throw ValidationError.of('body', 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ValidationError.of('body', 'must be a JSON object');
  }
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, 'body');
  return result.data;
}
