import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { OWNER_LEVELS, ownerPrefix, sharedRootPrefix } from '../../../shared/domain/keys';
import { MAX_DELETE_KEYS } from '../../aws/storage';
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
}

const Query = z.strictObject({});

/**
 * `DELETE /me/data`: every object under the caller's folders, in every level and their outgoing
 * shares, listed and deleted with the caller's own session, so IAM bounds what can go. Once storage
 * holds nothing of theirs, their ledger partition (usage, entries, rejections, incoming shares, the
 * person item that names them on shares) and their identity-directory entry go too. Each request
 * does a bounded amount of work: 202 `{more: true}` means call again; 204 means nothing is left.
 * Every step is idempotent, so a failed call is simply repeated. What a listing returns is deleted
 * only if it is under the prefix listed.
 */
export function createDeleteMyDataRoute(
  { config, identity, storage, ledger, people }: AppDeps,
  options: DeleteMyDataOptions = {},
) {
  const maxBatches = options.maxBatchesPerCall ?? 2;
  const timeBudgetMs = options.timeBudgetMs ?? 10_000;
  const now = options.now ?? Date.now;

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    parseQuery(event, Query);
    const identityId = await identity.identityId(caller);
    // Group folders are the team's, not the caller's: they are left as they are.
    const prefixes = [
      ...OWNER_LEVELS.map((level) => ownerPrefix(level, identityId)),
      sharedRootPrefix(identityId),
    ];
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

    // Only once storage holds nothing of theirs: the caller's entries outside it.
    const finished =
      !deleted.more &&
      (ledger === undefined || (await ledger.purge(identityId, () => now() - started >= timeBudgetMs)));
    if (!finished) {
      const body: DataDeletion = { deleted: deleted.count, more: true };
      return json(202, body);
    }
    await identity.forget(caller);
    // Their person item went with the partition: their next `GET /me` records them again.
    people.forget(identityId);
    return noContent();
  };
}
