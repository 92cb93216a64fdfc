/**
 * The usage ledger in DynamoDB, one partition per owner (`pk`): a user's identity ID, or a group's
 * `groups/{group}` (`groupOwner`) for its team folder, which never holds a `:` so never meets a user's:
 * - `usage`: bytes and objects in total and per level, the owner's quota override (`quotaBytes`,
 *   `quotaObjects`, set by `npm run users`), and `version`, bumped by every write so reservations
 *   can be made with optimistic locking;
 * - `object#{key}`: the key's last applied event (size, sequencer; a tombstone after a delete);
 * - `reservation#{key}`: an issued upload URL's size until it expires (TTL `expiresAt`);
 * - `rejection#{time}#{key}`: an object the events function removed, and why (TTL);
 * - `incoming#{ownerId}/{path}`: the share index, in the GRANTEE's partition: one item per object
 *   another user shares with them (`shared/{ownerId}/{grantee}/{path}`), for `GET /files/shared-with-me`;
 * - `person`: who the identity is (`sub`, username), written by the API function alone when it
 *   resolved that user itself, for the names on shares (`people.ts`).
 * Each event is ONE TransactWriteItems conditioned on the object item's sequencer, so a repeat or an
 * older event never counts twice, and concurrent deliveries of one key serialize; a share's index
 * item is written or removed in the same transaction, so it follows the same order.
 *
 * A tombstone only has to outlive the events that could still arrive for its key, so it expires
 * (TTL) after the queue's retention; and a delete of a key the ledger holds nothing live for changes
 * no usage, so after `DELETE /me/data` has removed a user's partition, late events leave nothing
 * but expiring tombstones.
 *
 * `createLedger` composes the operation families, one module each; this module is the ledger's
 * whole public surface.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEventLedger } from './events';
import { createPeople } from './people';
import { createPurge } from './purge';
import { createRejectionLedger } from './rejections';
import { createShareIndex } from './shares';
import type { Ledger, LedgerOptions } from './types';
import { createUsageLedger } from './usage';

export {
  INCOMING_PREFIX,
  incomingSk,
  objectSk,
  REJECTION_TTL_SECONDS,
  reservationSk,
  TOMBSTONE_TTL_SECONDS,
  toUsage,
  USAGE_SK,
} from './items';
export type { IncomingShare, IncomingSharePage, Ledger, Person, Rejection, UsageRecord } from './types';
export { toUsageRecord } from './usage';

export function createLedgerClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region, maxAttempts: 3 });
}

export function createLedger(options: LedgerOptions): Ledger {
  const context = { ...options, now: options.now ?? Date.now };
  return {
    ...createEventLedger(context),
    ...createUsageLedger(context),
    ...createRejectionLedger(context),
    ...createShareIndex(context),
    ...createPeople(context),
    ...createPurge(context),
  };
}
