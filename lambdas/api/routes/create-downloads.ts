import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { forEachConcurrently } from '../../aws/concurrent';
import { isRejectedCredentials } from '../../aws/errors';
import type { AppDeps } from '../deps';
import { fromZodError, problemBody, toAppError } from '../http/problem';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import {
  callsStorage,
  DownloadBody,
  type PreparedDownload,
  prepareDownload,
  signDownload,
} from './create-download';

type BatchDownloadResult = components['schemas']['BatchDownloadResult'];
type ItemResult = BatchDownloadResult['items'][number];

export const MAX_BATCH_ITEMS = 100;
/** 100 items of up to ~1.4 KB each (key, filename, owner): larger than one download's limit. */
const MAX_BATCH_BODY_CHARACTERS = 256 * 1024;
/** Items that call storage (a HEAD for `inline`, a scan-tag read) in flight at once, so one batch cannot flood storage. */
const STORAGE_CONCURRENCY = 8;

const Body = z.strictObject({
  items: z
    .array(z.unknown(), { error: 'must be a list of downloads' })
    .min(1, 'must list at least one download')
    .max(MAX_BATCH_ITEMS, `must list at most ${MAX_BATCH_ITEMS} downloads`),
});

type Prepared = { readonly prepared: PreparedDownload } | { readonly failed: ItemResult };

function failure(error: unknown): ItemResult {
  const problem = problemBody(toAppError(error), undefined);
  return { status: problem.status, problem };
}

/**
 * `POST /files/downloads/batch`: up to 100 downloads, each under exactly the rules of
 * `POST /files/downloads`, signed with one session. An item that fails answers its own problem;
 * only what concerns the whole request (token, body shape, the session) fails the request.
 */
export function createDownloadsRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const { items } = parseBody(event, Body, MAX_BATCH_BODY_CHARACTERS);
    const who = { identityId: await identity.identityId(caller), groups: identity.groupsOf(caller) };

    let lifetimeSeconds = 0;
    const prepared: Prepared[] = items.map((item) => {
      const parsed = DownloadBody.safeParse(item);
      if (!parsed.success) return { failed: failure(fromZodError(parsed.error, 'item')) };
      try {
        const one = prepareDownload(config, who, parsed.data);
        lifetimeSeconds = Math.max(lifetimeSeconds, one.lifetimeSeconds);
        return { prepared: one };
      } catch (error) {
        return { failed: failure(error) };
      }
    });

    const results = await identity.withSession(
      caller,
      lifetimeSeconds > 0 ? { lifetimeSeconds } : {},
      async (session) => {
        await storage.checkCredentials(session);
        const out: ItemResult[] = new Array(prepared.length);
        const sign = async (index: number): Promise<void> => {
          const entry = prepared[index] as Prepared;
          if ('failed' in entry) {
            out[index] = entry.failed;
            return;
          }
          try {
            out[index] = { status: 201, download: await signDownload(storage, session, entry.prepared) };
          } catch (error) {
            // Rejected credentials concern the whole session: refreshed and retried as one.
            if (isRejectedCredentials(error)) throw error;
            out[index] = failure(error);
          }
        };
        // Items that need no storage call are signed in order, without any scheduling.
        const calls: number[] = [];
        for (let index = 0; index < prepared.length; index++) {
          const entry = prepared[index] as Prepared;
          if ('prepared' in entry && callsStorage(entry.prepared)) calls.push(index);
          else await sign(index);
        }
        await forEachConcurrently(calls, STORAGE_CONCURRENCY, sign);
        return out;
      },
    );
    const body: BatchDownloadResult = { items: results };
    return json(200, body);
  };
}
