/**
 * Quota overrides: `quotaBytes` and `quotaObjects` on an owner's usage item in the ledger, which
 * replace the deployment's quota field by field (the user quota for a user's partition, the group
 * quota for a group's `groups/{group}`). Both functions read them from there; an instance that
 * found an owner without any limit reads them again within `NO_LIMIT_RECHECK_MS`.
 *
 * Every change bumps the item's `version`, as every event does: a reservation decided on the old
 * quota is then refused its condition and decided again on the new one.
 */
import { type AttributeValue, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { toUsageRecord, USAGE_SK, type UsageRecord } from '../lambdas/aws/ledger';
import { NO_LIMIT_RECHECK_MS } from '../lambdas/aws/quota';
import { hasLimit, type Quota } from '../shared/domain/quota';
import { UsageError, type UsersContext } from './users-stack';

/** What a quota command asks: set one or both fields, clear both, or (undefined) only show them. */
export type QuotaChange = { readonly clear: true } | ({ readonly clear: false } & Quota);

/** The quota options as a change; undefined when none is given. Refuses what no quota is. */
export function quotaChangeOf(values: {
  readonly bytes?: string | undefined;
  readonly objects?: string | undefined;
  readonly clear?: boolean | undefined;
}): QuotaChange | undefined {
  const { bytes, objects, clear } = values;
  if (clear) {
    if (bytes !== undefined || objects !== undefined) {
      throw new UsageError('--clear removes both limits: give it without --bytes or --objects');
    }
    return { clear: true };
  }
  if (bytes === undefined && objects === undefined) return undefined;
  return { clear: false, ...count('--bytes', bytes, 'bytes'), ...count('--objects', objects, 'objects') };
}

/** A whole number within what DynamoDB and JavaScript both hold exactly (as `QUOTA_BYTES`). */
function count(option: string, value: string | undefined, field: 'bytes' | 'objects'): Quota {
  if (value === undefined) return {};
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`${option} must be a whole number, got ${value}`);
  return { [field]: Number(value) };
}

/** The UpdateItem of a change: the fields given (or both removed), and `version` bumped. */
function updateOf(change: QuotaChange) {
  const values: Record<string, AttributeValue> = { ':one': { N: '1' } };
  if (change.clear) return { expression: 'REMOVE quotaBytes, quotaObjects ADD #version :one', values };
  const sets: string[] = [];
  if (change.bytes !== undefined) {
    sets.push('quotaBytes = :bytes');
    values[':bytes'] = { N: String(change.bytes) };
  }
  if (change.objects !== undefined) {
    sets.push('quotaObjects = :objects');
    values[':objects'] = { N: String(change.objects) };
  }
  return { expression: `SET ${sets.join(', ')} ADD #version :one`, values };
}

function ledgerOf(context: UsersContext): string {
  const table = context.target.ledgerTable;
  if (table === undefined) {
    throw new UsageError(
      `${context.target.outputsFile} names no LedgerTable (a stack deployed before it was an output: deploy again)`,
    );
  }
  return table;
}

/** Applies `change` to the owner's usage item (or only reads it) and answers the item as it now is. */
async function applyChange(
  context: UsersContext,
  owner: string,
  change: QuotaChange | undefined,
): Promise<UsageRecord> {
  const dynamo = await context.dynamo();
  const key = { pk: { S: owner }, sk: { S: USAGE_SK } };
  const TableName = ledgerOf(context);
  if (change === undefined) {
    const output = await dynamo.send(new GetItemCommand({ TableName, Key: key, ConsistentRead: true }));
    return toUsageRecord(output.Item);
  }
  const update = updateOf(change);
  const output = await dynamo.send(
    new UpdateItemCommand({
      TableName,
      Key: key,
      UpdateExpression: update.expression,
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: update.values,
      ReturnValues: 'ALL_NEW',
    }),
  );
  return toUsageRecord(output.Attributes);
}

/** `bytes: 500, objects: as deployed`, or that there is no override at all. */
function describeOverride(quota: Quota): string {
  if (!hasLimit(quota)) return "no override (the deployment's quota applies)";
  const field = (name: string, value: number | undefined) =>
    `${name}: ${value === undefined ? 'as deployed' : value}`;
  return `override ${field('bytes', quota.bytes)}, ${field('objects', quota.objects)}`;
}

/**
 * Shows or changes the override of one ledger owner (`label` names it for people), printing the
 * result and, after a change, when it applies.
 */
export async function ownerQuota(
  context: UsersContext,
  owner: string,
  label: string,
  change: QuotaChange | undefined,
): Promise<void> {
  const record = await applyChange(context, owner, change);
  const { bytes, objects } = record.usage;
  context.print(`${label}: ${describeOverride(record.quota)}; stored ${bytes} bytes in ${objects} object(s)`);
  if (change !== undefined) {
    // An instance that found the owner without any limit reads it again only after this long.
    context.print(`takes effect within ${NO_LIMIT_RECHECK_MS / 1000} s; objects already stored stay`);
  }
}
