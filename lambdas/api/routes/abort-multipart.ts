import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { AppDeps } from '../deps';
import { authenticate, parseBody } from '../http/request';
import { noContent } from '../http/response';
import { resolveUpload, uploadField } from './multipart-handle';

const Body = z.strictObject({ upload: uploadField });

/** `POST /files/multipart/abort`: abandons one of the caller's uploads; idempotent. */
export function createAbortMultipartRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const identityId = await identity.identityId(caller);
    // No upload rules: abandoning writes nothing, and must still work after the rules change.
    const { handle, fullKey } = resolveUpload(
      input.upload,
      { identityId, groups: identity.groupsOf(caller) },
      undefined,
    );
    await identity.withSession(caller, {}, (session) =>
      storage.abortMultipart(session, { key: fullKey, uploadId: handle.uploadId }),
    );
    return noContent();
  };
}
