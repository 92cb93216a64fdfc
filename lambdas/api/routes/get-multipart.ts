import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import type { AppDeps } from '../deps';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { describeUpload, resolveUpload, uploadField } from './multipart-handle';

type MultipartProgress = components['schemas']['MultipartProgress'];

const Body = z.strictObject({ upload: uploadField });

/** `POST /files/multipart/progress`: the upload and the parts storage holds for it. */
export function createGetMultipartRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const identityId = await identity.identityId(caller);
    const resolved = resolveUpload(
      input.upload,
      { identityId, groups: identity.groupsOf(caller) },
      config.uploadRules,
    );
    const stored = await identity.withSession(caller, {}, (session) =>
      storage.listParts(session, { key: resolved.fullKey, uploadId: resolved.handle.uploadId }),
    );
    const body: MultipartProgress = {
      ...describeUpload(input.upload, resolved, stored.abortDate),
      parts: stored.parts.map((part) => ({
        number: part.partNumber,
        size: part.size,
        etag: part.etag,
        ...(part.sha256 === undefined ? {} : { sha256: part.sha256 }),
      })),
    };
    return json(200, body);
  };
}
