/**
 * Applying storage events: each event is ONE TransactWriteItems conditioned on the object item's
 * sequencer (the entry, the usage counts, the upload's reservation and the share index together),
 * re-planned when a concurrent delivery of the same key wrote first.
 */
import { GetItemCommand, type TransactWriteItem, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { type ObjectEntry, planEvent } from '../../../shared/events/ledger';
import type { StorageEvent } from '../../../shared/events/s3-event';
import { compareSequencers } from '../../../shared/events/sequencer';
import {
  EVENT_ATTEMPTS,
  incomingSk,
  isConditionFailure,
  n,
  objectSk,
  reservationSk,
  s,
  TOMBSTONE_TTL_SECONDS,
  toEntry,
  USAGE_SK,
} from './items';
import type { Ledger, LedgerContext } from './types';

type Plan = NonNullable<ReturnType<typeof planEvent>>;

/** The key's next entry, written only over exactly the entry the plan was made from. */
function entryPut(
  tableName: string,
  event: StorageEvent,
  current: ObjectEntry | undefined,
  plan: Plan,
  nowSeconds: number,
): TransactWriteItem {
  const { next } = plan;
  return {
    Put: {
      TableName: tableName,
      Item: {
        pk: s(event.owner),
        sk: s(objectSk(event.key)),
        key: s(next.key),
        level: s(next.level),
        size: n(next.size),
        sequencer: s(next.sequencer),
        deleted: { BOOL: next.deleted },
        ...(next.deleted ? { expiresAt: n(nowSeconds + TOMBSTONE_TTL_SECONDS) } : {}),
      },
      // Exactly the entry the plan was made from: a concurrent delivery makes us re-plan.
      ...(current === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'sequencer = :previous',
            ExpressionAttributeValues: { ':previous': s(current.sequencer) },
          }),
    },
  };
}

/** The owner's totals and the level's counts moved by the plan's delta; `version` bumped. */
function usageUpdate(tableName: string, owner: string, { delta }: Plan): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: { pk: s(owner), sk: s(USAGE_SK) },
      UpdateExpression: 'ADD #bytes :bytes, #objects :objects, #lb :bytes, #lo :objects, #version :one',
      ExpressionAttributeNames: {
        '#bytes': 'bytes',
        '#objects': 'objects',
        '#lb': `${delta.level}Bytes`,
        '#lo': `${delta.level}Objects`,
        '#version': 'version',
      },
      ExpressionAttributeValues: {
        ':bytes': n(delta.bytes),
        ':objects': n(delta.objects),
        ':one': n(1),
      },
    },
  };
}

/** The grantee's index item of a shared object: written on create, removed on delete. */
function shareIndexWrite(tableName: string, event: StorageEvent, grantee: string): TransactWriteItem {
  const indexKey = { pk: s(grantee), sk: s(incomingSk(event.owner, event.path)) };
  if (event.kind !== 'created') return { Delete: { TableName: tableName, Key: indexKey } };
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...indexKey,
        owner: s(event.owner),
        path: s(event.path),
        size: n(event.size),
        sharedAt: s(event.eventTime),
      },
    },
  };
}

/** Every write of one event's transaction. */
function eventWrites(
  tableName: string,
  event: StorageEvent,
  current: ObjectEntry | undefined,
  plan: Plan,
  nowSeconds: number,
): TransactWriteItem[] {
  const writes = [entryPut(tableName, event, current, plan, nowSeconds)];
  const { delta } = plan;
  // A delete of nothing live changes no usage: it must not recreate a removed usage item.
  if (event.kind === 'created' || delta.objects !== 0 || delta.bytes !== 0) {
    writes.push(usageUpdate(tableName, event.owner, plan));
  }
  if (event.kind === 'created') {
    // The object arrived: its upload's reservation is now counted as usage.
    writes.push({
      Delete: { TableName: tableName, Key: { pk: s(event.owner), sk: s(reservationSk(event.key)) } },
    });
  }
  if (event.grantee !== undefined) writes.push(shareIndexWrite(tableName, event, event.grantee));
  return writes;
}

export function createEventLedger(context: LedgerContext): Pick<Ledger, 'applyEvent' | 'entry'> {
  const { client, tableName, now } = context;

  async function entry(owner: string, key: string) {
    const output = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: s(owner), sk: s(objectSk(key)) },
        ConsistentRead: true,
      }),
    );
    return output.Item === undefined ? undefined : toEntry(output.Item);
  }

  async function applyEvent(event: StorageEvent): Promise<'applied' | 'current' | 'stale'> {
    for (let attempt = 1; ; attempt++) {
      const current = await entry(event.owner, event.key);
      const plan = planEvent(current, event);
      if (plan === undefined) {
        return current !== undefined && compareSequencers(current.sequencer, event.sequencer) === 0
          ? 'current'
          : 'stale';
      }
      const nowSeconds = Math.floor(now() / 1000);
      const transactItems = eventWrites(tableName, event, current, plan, nowSeconds);
      try {
        await client.send(new TransactWriteItemsCommand({ TransactItems: transactItems }));
        return 'applied';
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= EVENT_ATTEMPTS) throw error;
      }
    }
  }

  return { applyEvent, entry };
}
