/**
 * Reading an operation's JSON input: required ID fields (with Cognito's own pattern and messages),
 * whether it names a login at all (a guest's call names none), and the single `Logins` entry of a
 * user-pool login.
 */
import { invalidParameter, notAuthorized, validation } from './errors';

/** An operation's parsed JSON body. */
export type Input = Record<string, unknown>;

/** Cognito's own validation pattern for identity (and identity pool) IDs. */
export const ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

export function requireString(input: Input, field: string, pattern?: RegExp): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > 55) {
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint`,
    );
  }
  if (pattern && !pattern.test(value)) {
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return value;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Whether the request names a login: absent, null or an empty `Logins` map is a guest's call. */
export function hasLogins(input: Input): boolean {
  const logins = input.Logins;
  if (logins === undefined || logins === null) return false;
  if (typeof logins !== 'object' || Array.isArray(logins)) throw validation("'logins' must be a map");
  return Object.keys(logins).length > 0;
}

/** The one `Logins` entry of a request: `{ providerName: idToken }`. */
export function loginOf(input: Input): { providerName: string; token: string } {
  const logins = input.Logins;
  if (logins === undefined || logins === null) {
    throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
  }
  if (typeof logins !== 'object' || Array.isArray(logins)) throw validation("'logins' must be a map");
  const entries = Object.entries(logins as Record<string, unknown>);
  if (entries.length === 0)
    throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
  if (entries.length > 1) {
    // Linking several logins to one identity is not part of the local stack.
    throw invalidParameter('The local identity pool accepts exactly one login per request.');
  }
  const [providerName, token] = entries[0] as [string, unknown];
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw notAuthorized('Invalid login token. Not a valid OpenId Connect identity token.');
  }
  return { providerName, token };
}
