import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { toObjectKey } from '../../shared/domain/keys';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { noContent } from '../http/response';
import { key, level } from './schemas';

const Query = z.strictObject({ level, key });

/** `DELETE /files`: deletes one of the caller's own objects; idempotent. */
export function createDeleteFileRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const identityId = await identity.identityId(caller);
    const fullKey = toObjectKey(query.level, identityId, query.key);
    await identity.withSession(caller, {}, (session) => storage.delete(session, fullKey));
    return noContent();
  };
}
