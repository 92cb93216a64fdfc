import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../shared/api/schema';
import { resolveOwner, toObjectKey } from '../../shared/domain/keys';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';
import { key, level, owner } from './schemas';

type FileProperties = components['schemas']['FileProperties'];

const Query = z.strictObject({ level, key, owner: owner.optional() });

/** `GET /files/properties`: size, content type, ETag, last-modified time (and SHA-256 if stored). */
export function createGetFilePropertiesRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const callerId = await identity.identityId(caller);
    const objectOwner = resolveOwner(query.level, callerId, query.owner);
    const fullKey = toObjectKey(query.level, objectOwner, query.key);

    const properties = await identity.withSession(caller, {}, (session) => storage.head(session, fullKey));

    const body: FileProperties = {
      level: query.level,
      owner: objectOwner,
      key: query.key,
      size: properties.size,
      contentType: properties.contentType,
      etag: properties.etag,
      lastModified: properties.lastModified.toISOString(),
    };
    if (properties.sha256 !== undefined) body.sha256 = properties.sha256;
    return json(200, body);
  };
}
