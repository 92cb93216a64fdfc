import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../../../shared/domain/errors';
import { keyIn, resolveFolder, SHARED_LEVEL } from '../../../shared/domain/keys';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { noContent } from '../http/response';
import { anyLevel, grantee, group, key } from './schemas';

const Query = z.strictObject({ level: anyLevel, key, grantee: grantee.optional(), group: group.optional() });

/**
 * `DELETE /files`: deletes one of the caller's own objects; idempotent. In `shared`, one of the
 * caller's own shares (`grantee` names with whom): a grantee cannot delete what is shared with them.
 */
export function createDeleteFileRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const identityId = await identity.identityId(caller);
    if (query.level === SHARED_LEVEL && query.grantee === undefined) {
      throw ValidationError.of(
        'grantee',
        `is required with level "${SHARED_LEVEL}": only your own shares can be deleted`,
      );
    }
    // Only the caller's own folder: no owner to choose.
    const selector = { grantee: query.grantee, group: query.group };
    const folder = resolveFolder(query.level, identityId, selector, identity.groupsOf(caller));
    const fullKey = keyIn(folder, query.key);
    await identity.withSession(caller, {}, (session) => storage.delete(session, fullKey));
    return noContent();
  };
}
