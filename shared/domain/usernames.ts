/**
 * A user named in a request (`GET /users/{username}`): a user-pool username or an alias the pool
 * accepts (an email). Checked before the pool is asked, so input the pool would refuse as
 * malformed is a 400 naming the field, never the pool's error. And how a person is shown to
 * others (`displayName`): their verified email, else their username. Pure.
 */
import { ValidationError } from './errors';

/** Cognito's longest username. */
export const MAX_USERNAME_LENGTH = 128;

/**
 * Cognito's own username pattern: letters, marks, symbols, digits and punctuation, so no spaces,
 * no control or invisible format characters (such as U+202E, which reorders what is shown).
 */
const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u;

/** `value` as a username to look up, or a 400 naming `field`. */
export function usernameOf(value: unknown, field = 'username'): string {
  if (typeof value !== 'string' || value === '') throw ValidationError.of(field, 'must name a user');
  // Counted in code points, as Cognito and JSON Schema count them.
  if ([...value].length > MAX_USERNAME_LENGTH) {
    throw ValidationError.of(field, `must be at most ${MAX_USERNAME_LENGTH} characters`);
  }
  if (!USERNAME.test(value)) {
    throw ValidationError.of(
      field,
      'must be a username or email: letters, digits, symbols and punctuation, with no spaces or control characters',
    );
  }
  return value;
}

/** A person as the pool or their verified claims describe them. */
export interface Named {
  readonly username: string;
  /** Their email address, only once the pool verified it (`verifiedEmail`). */
  readonly email?: string;
}

/**
 * The name others see for a person: their verified email, which is what they sign in with (the
 * pool's usernames are generated IDs), else their username. Never an unverified email: anyone can
 * type someone else's address into their own attributes, but only its owner can verify it.
 */
export const displayName = (person: Named): string => person.email ?? person.username;

/** The longest address Cognito's `email` attribute holds. */
const MAX_EMAIL_LENGTH = 2048;

/**
 * The email of user attributes or verified token claims, only when `email_verified` says so (the
 * pool's attribute is the string "true"; a token's claim is `true`, or "true" once API Gateway's
 * authorizer has flattened it). Anything else is no email.
 */
export function verifiedEmail(email: unknown, verified: unknown): string | undefined {
  if (verified !== true && verified !== 'true') return undefined;
  if (typeof email !== 'string' || email === '' || [...email].length > MAX_EMAIL_LENGTH) return undefined;
  // No control or invisible format characters (bidi overrides, zero-width): a name must read as it is.
  return /[\p{Cc}\p{Cf}]/u.test(email) ? undefined : email;
}
