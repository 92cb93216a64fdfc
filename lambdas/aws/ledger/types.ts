/**
 * The ledger's contract: the `Ledger` operations the functions call, the records they answer with,
 * and what every operation family shares (`LedgerContext`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AnyLevel } from '../../../shared/domain/keys';
import type { Quota, Reservation } from '../../../shared/domain/quota';
import type { RejectionReason } from '../../../shared/events/content-check';
import type { ObjectEntry, Usage } from '../../../shared/events/ledger';
import type { StorageEvent } from '../../../shared/events/s3-event';

export interface Rejection {
  /** The full S3 key. */
  readonly key: string;
  readonly level: AnyLevel;
  readonly reason: RejectionReason;
  readonly detail: string;
  /** ISO time of the removal. */
  readonly at: string;
}

export interface UsageRecord {
  readonly usage: Usage;
  /** The owner's override of the deployment's quota (a user's or a group's), when an administrator set one. */
  readonly quota: Quota;
  /** Undefined: no usage item yet. */
  readonly version: number | undefined;
}

export interface Ledger {
  /**
   * Applies one event: `applied`, or `current` when the key already holds exactly this event (a
   * repeat), or `stale` when it holds a newer one.
   */
  applyEvent(event: StorageEvent): Promise<'applied' | 'current' | 'stale'>;
  /** The key's last applied event. */
  entry(owner: string, key: string): Promise<ObjectEntry | undefined>;
  usage(owner: string): Promise<UsageRecord>;
  reservations(owner: string): Promise<Reservation[]>;
  /**
   * Records a reservation if `version` is still the usage item's version (undefined: no item yet).
   * False when another write came first: read again and decide again.
   */
  reserve(owner: string, reservation: Reservation, version: number | undefined): Promise<boolean>;
  recordRejection(owner: string, rejection: Rejection): Promise<void>;
  /** The newest rejections first. */
  rejections(owner: string, limit: number): Promise<Rejection[]>;
  /** One page of the share index of `grantee`, ordered by owner then path. */
  sharedWith(grantee: string, page: { limit: number; after?: string }): Promise<IncomingSharePage>;
  /**
   * Records who an identity is: only for a user the function resolved itself (the caller's
   * verified claims, or the user pool's answer), never for a name from a request or an object.
   */
  recordPerson(person: Person): Promise<void>;
  /** The recorded names (`displayName`) of these identities; an identity never recorded is left out. */
  names(identityIds: Iterable<string>): Promise<Map<string, string>>;
  /**
   * Removes every item of `owner`'s partition (usage, entries, reservations, rejections, incoming
   * shares, their person item), a page at a time until none is left or `shouldStop()`; true when
   * none is left.
   */
  purge(owner: string, shouldStop: () => boolean): Promise<boolean>;
}

/** One user as the function resolved them: their identity, user-pool subject and username. */
export interface Person {
  readonly identityId: string;
  readonly sub: string;
  /** The user-pool username, as the pool or the verified `cognito:username` claim gives it. */
  readonly username: string;
  /** Their email, only as the pool verified it (`verifiedEmail`). */
  readonly email?: string;
}

export interface IncomingShare {
  readonly owner: string;
  /** Relative to the share's folder `shared/{owner}/{grantee}/`. */
  readonly path: string;
  readonly size: number;
  /** ISO time of the event that wrote the shared copy. */
  readonly sharedAt: string;
}

export interface IncomingSharePage {
  readonly items: IncomingShare[];
  /** The sort key to continue after, when there may be more. */
  readonly next?: string;
}

export interface LedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** What every operation family shares: the table, its client and the clock. */
export type LedgerContext = Required<LedgerOptions>;
