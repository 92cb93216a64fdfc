import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { keyIn, resolveFolder } from '../../../shared/domain/keys';
import type { AppDeps } from '../deps';
import { publicUrlField } from '../http/public-url';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';
import { fileProperties } from './file-properties';
import { headWithScan, scanField, scanningOf } from './scan-status';
import { anyLevel, grantee, group, key, owner } from './schemas';
import { folderFields } from './where';

const Query = z.strictObject({
  level: anyLevel,
  key,
  owner: owner.optional(),
  grantee: grantee.optional(),
  group: group.optional(),
});

/** `GET /files/properties`: size, content type, ETag, last-modified time (and SHA-256 if stored). */
export function createGetFilePropertiesRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const callerId = await identity.identityId(caller);
    const folder = resolveFolder(query.level, callerId, query, identity.groupsOf(caller));
    const fullKey = keyIn(folder, query.key);

    const { properties, scan } = await identity.withSession(caller, {}, (session) =>
      headWithScan(scanningOf(config, fullKey), storage, session, fullKey),
    );

    const where = { level: query.level, ...folderFields(folder), key: query.key };
    return json(200, {
      ...fileProperties(where, properties),
      ...scanField(scan),
      ...publicUrlField(event, identity.guest !== undefined, where),
    });
  };
}
