import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from '../../../shared/domain/cursor';
import { ValidationError } from '../../../shared/domain/errors';
import {
  isIdentityId,
  listedKeyIn,
  SHARED_LEVEL,
  sharedFolder,
  sharedRootPrefix,
} from '../../../shared/domain/keys';
import { withNames } from '../../aws/people';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';
import { queryInteger } from './schemas';

type MyShares = components['schemas']['MyShares'];

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** The cursor's scope: no listing of a real folder has this prefix (it is not a valid key path). */
const SCOPE_PREFIX = '/shares';

const Query = z.strictObject({
  limit: queryInteger(1, MAX_LIMIT).optional(),
  cursor: z.string().min(1, 'must not be empty').max(MAX_CURSOR_LENGTH, 'is too long').optional(),
});

/**
 * `GET /files/shares`: the caller's outgoing shares, all grantees at once, listed under
 * `shared/{caller}/` with the caller's own session, so IAM bounds it to their own. Each key is
 * split into its grantee and its path, and passed on only if both keep the rules.
 */
export function createListMySharesRoute({ config, identity, storage, people }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const callerId = await identity.identityId(caller);
    const root = sharedRootPrefix(callerId);
    const scope = { level: SHARED_LEVEL, owner: callerId, prefix: SCOPE_PREFIX } as const;
    const continuationToken = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);

    const page = await identity.withSession(caller, {}, async (session) => {
      try {
        return await storage.list(session, {
          prefix: root,
          maxKeys: query.limit ?? DEFAULT_LIMIT,
          continuationToken,
        });
      } catch (error) {
        if (continuationToken !== undefined && (error as { name?: unknown })?.name === 'InvalidArgument') {
          throw ValidationError.of('cursor', 'was not accepted by storage; start again');
        }
        throw error;
      }
    });

    const items: MyShares['items'] = [];
    let omitted = 0;
    for (const object of page.objects) {
      const grantee = object.key.startsWith(root)
        ? object.key.slice(root.length).split('/', 1)[0]
        : undefined;
      const key =
        isIdentityId(grantee) && grantee !== callerId
          ? listedKeyIn(sharedFolder(callerId, grantee), object.key)
          : undefined;
      if (grantee === undefined || key === undefined) omitted += 1;
      else items.push({ grantee, key, size: object.size, lastModified: object.lastModified.toISOString() });
    }
    const body: MyShares = {
      items: await withNames(people, items, (item) => item.grantee, 'granteeName'),
      omitted,
    };
    if (page.nextToken !== undefined) body.nextCursor = encodeCursor(page.nextToken, scope);
    return json(200, body);
  };
}
