/**
 * The names on shares: who an identity is, recorded by the function when it resolved that user
 * itself, and read back a page at a time. Kept in the ledger (`ledger/people.ts`). A name is
 * decoration: a failure to record or read one is logged by the error's name and never fails the
 * request; the share is answered without the name.
 *
 * Each instance remembers what it recorded for an hour, so a user's repeated `GET /me` costs one
 * write, not one per request; the hour bounds how long another instance's `DELETE /me/data` can
 * keep this instance from recording that user again.
 */
import { ExpiringCache } from '../../shared/cache/expiring-cache';
import { isIdentityId } from '../../shared/domain/keys';
import { MAX_USERNAME_LENGTH } from '../../shared/domain/usernames';
import type { Ledger, Person } from './ledger';

export type { Person } from './ledger';

export interface People {
  /** Records `person` unless this instance recorded exactly them within the hour. Never throws. */
  record(person: Person): Promise<void>;
  /** The recorded names of these identities (`displayName`); unknown ones are left out. Never throws. */
  namesOf(identityIds: Iterable<string>): Promise<ReadonlyMap<string, string>>;
  /** Forgets what this instance recorded for `identityId` (its person item was removed). */
  forget(identityId: string): void;
}

export interface PeopleOptions {
  /** Absent: a deployment without a ledger records and shows no names. */
  readonly ledger?: Pick<Ledger, 'recordPerson' | 'names'>;
  readonly now?: () => number;
  /** Told the operation and the error (its name is all that is logged). */
  readonly onError?: (operation: 'record' | 'read', error: unknown) => void;
}

/** The person record of a user the function resolved itself (verified claims, or the pool's answer). */
export const personOf = (identityId: string, user: Omit<Person, 'identityId'>): Person => ({
  identityId,
  sub: user.sub,
  username: user.username,
  ...(user.email === undefined ? {} : { email: user.email }),
});

/**
 * `items` with each one's recorded name set in `field` (one batched read for the page); an item
 * whose identity has no name is left as it is. The name is never taken from the item itself.
 */
export async function withNames<T, F extends string>(
  people: People,
  items: readonly T[],
  idOf: (item: T) => string,
  field: F,
): Promise<(T & { [K in F]?: string })[]> {
  const names = await people.namesOf(items.map(idOf));
  return items.map((item) => {
    const name = names.get(idOf(item));
    return (name === undefined ? item : { ...item, [field]: name }) as T & { [K in F]?: string };
  });
}

/** How long an instance trusts that what it recorded is still there. */
export const PERSON_MEMO_MS = 3_600_000;
const PERSON_MEMO_ENTRIES = 10_000;

interface Recorded {
  readonly signature: string;
  readonly at: number;
}

/** What the pool or the verified claims said, as stored: a NUL cannot occur in any of them. */
const signatureOf = (person: Person) => `${person.sub}\0${person.username}\0${person.email ?? ''}`;

/** Only a well-formed person is recorded: anything else was not a user the pool answered for. */
function isRecordable(person: Person): boolean {
  const length = [...person.username].length;
  return (
    isIdentityId(person.identityId) &&
    person.sub !== '' &&
    length > 0 &&
    length <= MAX_USERNAME_LENGTH &&
    !/\p{Cc}/u.test(person.username)
  );
}

export function createPeople(options: PeopleOptions): People {
  const { ledger } = options;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const recorded = new ExpiringCache<string, Recorded>({
    max: PERSON_MEMO_ENTRIES,
    expiresAt: (entry) => entry.at + PERSON_MEMO_MS,
    now,
  });
  return {
    async record(person) {
      if (ledger === undefined || !isRecordable(person)) return;
      const signature = signatureOf(person);
      if (recorded.peek(person.identityId)?.signature === signature) return;
      try {
        await recorded.refresh(person.identityId, async () => {
          await ledger.recordPerson(person);
          return { signature, at: now() };
        });
      } catch (error) {
        onError('record', error);
      }
    },
    async namesOf(identityIds) {
      const ids = [...new Set(identityIds)].filter((id) => isIdentityId(id));
      if (ledger === undefined || ids.length === 0) return new Map();
      try {
        return await ledger.names(ids);
      } catch (error) {
        onError('read', error);
        return new Map();
      }
    },
    forget(identityId) {
      recorded.delete(identityId);
    },
  };
}
