import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from '../../../shared/domain/cursor';
import { ValidationError } from '../../../shared/domain/errors';
import { isIdentityId, listedKeyIn, SHARED_LEVEL, sharedFolder } from '../../../shared/domain/keys';
import { INCOMING_PREFIX, type Ledger } from '../../aws/ledger';
import { withNames } from '../../aws/people';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';
import { queryInteger } from './schemas';

type SharedWithMe = components['schemas']['SharedWithMe'];

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const Query = z.strictObject({
  limit: queryInteger(1, MAX_LIMIT).optional(),
  cursor: z.string().min(1, 'must not be empty').max(MAX_CURSOR_LENGTH, 'is too long').optional(),
});

/**
 * `GET /files/shared-with-me`: one page of the caller's share index. The index is read with the
 * function's own rights, always in the caller's own partition (their identity ID, never anything
 * from the request); it only tells the caller what to ask for: each download is still signed with
 * the caller's own session, so IAM decides.
 */
export function createListSharedWithMeRoute({ config, identity, people }: AppDeps, ledger: Ledger) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const callerId = await identity.identityId(caller);
    // Bound to the caller: a cursor from another user's index, or from a listing, is refused.
    const scope = { level: SHARED_LEVEL, owner: callerId, prefix: '' } as const;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);
    if (after !== undefined && !after.startsWith(INCOMING_PREFIX)) {
      throw ValidationError.of('cursor', 'is not a cursor of this list; start again');
    }

    const page = await ledger.sharedWith(callerId, { limit: query.limit ?? DEFAULT_LIMIT, after });
    // Shares written around the API may break the key rules, or be a user's "share" with
    // themselves: like listings, they are left out.
    const items = page.items.flatMap((share) => {
      if (!isIdentityId(share.owner) || share.owner === callerId) return [];
      const folder = sharedFolder(share.owner, callerId);
      const key = listedKeyIn(folder, `${folder.prefix}${share.path}`);
      if (key === undefined) return [];
      return [{ owner: share.owner, key, size: share.size, sharedAt: share.sharedAt }];
    });
    const body: SharedWithMe = {
      // Names from the function's own record, never from the share, which the owner wrote.
      items: await withNames(people, items, (item) => item.owner, 'ownerName'),
      ...(page.next === undefined ? {} : { nextCursor: encodeCursor(page.next, scope) }),
    };
    return json(200, body);
  };
}
