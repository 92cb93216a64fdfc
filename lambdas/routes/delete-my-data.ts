import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../shared/api/schema';
import { LEVELS, ownerPrefix, sharedRootPrefix } from '../../shared/domain/keys';
import { MAX_DELETE_KEYS } from '../aws/storage';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { json, noContent } from '../http/response';

type DataDeletion = components['schemas']['DataDeletion'];

export interface DeleteMyDataOptions {
  /** DeleteObjects calls (1,000 keys each) one request may make. @default 2 */
  readonly maxBatchesPerCall?: number;
  /** No new batch starts after this long, well inside API Gateway's 29 s. @default 10000 */
  readonly timeBudgetMs?: number;
  readonly now?: () => number;
  /**
   * Run once nothing of the caller's is left in storage, before the 204: where the ledger, the
   * identity directory and the share index drop the caller's entries. A failure fails the call,
   * which the client repeats (every step is idempotent).
   */
  readonly afterObjectsDeleted?: ReadonlyArray<(identityId: string) => Promise<void>>;
}

const Query = z.strictObject({});

/**
 * `DELETE /me/data`: every object under the caller's folders, in every level and their outgoing
 * shares, listed and deleted with the caller's own session, so IAM bounds what can go. Each request
 * does a bounded amount of work: 202 `{more: true}` means call again; 204 means nothing is left.
 * What the listing returns is deleted only if it is under the prefix that was listed.
 */
export function createDeleteMyDataRoute(
  { config, identity, storage }: AppDeps,
  options: DeleteMyDataOptions = {},
) {
  const maxBatches = options.maxBatchesPerCall ?? 2;
  const timeBudgetMs = options.timeBudgetMs ?? 10_000;
  const now = options.now ?? Date.now;
  const hooks = options.afterObjectsDeleted ?? [];

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    parseQuery(event, Query);
    const identityId = await identity.identityId(caller);
    const prefixes = [...LEVELS.map((level) => ownerPrefix(level, identityId)), sharedRootPrefix(identityId)];
    const started = now();

    const deleted = await identity.withSession(caller, {}, async (session) => {
      let count = 0;
      let batches = 0;
      for (const prefix of prefixes) {
        for (;;) {
          if (batches >= maxBatches || now() - started >= timeBudgetMs) return { count, more: true };
          const page = await storage.list(session, { prefix, maxKeys: MAX_DELETE_KEYS });
          const keys = page.objects.map((object) => object.key).filter((key) => key.startsWith(prefix));
          if (keys.length === 0) break;
          await storage.deleteMany(session, keys);
          batches += 1;
          count += keys.length;
          if (page.nextToken === undefined) break;
        }
      }
      return { count, more: false };
    });

    if (deleted.more) {
      const body: DataDeletion = { deleted: deleted.count, more: true };
      return json(202, body);
    }
    for (const hook of hooks) await hook(identityId);
    return noContent();
  };
}
