/**
 * A user named in a request (`GET /users/{username}`): a user-pool username or an alias the pool
 * accepts (an email). Checked before the pool is asked, so input the pool would refuse as
 * malformed is a 400 naming the field, never the pool's error. Pure.
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
