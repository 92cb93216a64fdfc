import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { checkCompleteParts } from '../../../shared/domain/multipart';
import type { AppDeps } from '../deps';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { fileProperties } from './file-properties';
import { resolveUpload, uploadField } from './multipart-handle';
import { newObjectScan, scanField } from './scan-status';
import { folderFields } from './where';

const Body = z.strictObject({ upload: uploadField });

/**
 * `POST /files/multipart/complete`: the server lists the parts itself and completes only with
 * exactly the agreed parts, so a client cannot assemble an object of another size than the one
 * the rules were checked against. In a scanned prefix the new object is held until its scan, and
 * storage refuses even a HEAD of it: the answer is then built from the completion and the plan
 * (the agreed size and type), `scan: 'pending'`.
 */
export function createCompleteMultipartRoute({ config, identity, storage, now }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const identityId = await identity.identityId(caller);
    const { handle, plan, folder, fullKey } = resolveUpload(
      input.upload,
      { identityId, groups: identity.groupsOf(caller) },
      config.uploadRules,
    );
    const target = { key: fullKey, uploadId: handle.uploadId };
    const scan = newObjectScan(config, fullKey);

    const properties = await identity.withSession(caller, {}, async (session) => {
      const stored = await storage.listParts(session, target);
      const parts = checkCompleteParts(plan, stored.parts);
      // Conditional when overwrite is false: a writer that got there first makes storage answer
      // 412, which is our 409.
      const { etag } = await storage.completeMultipart(session, {
        ...target,
        parts,
        ifNoneMatch: !handle.overwrite,
      });
      if (scan === undefined) return storage.head(session, fullKey);
      // Exactly the agreed parts were assembled, so the plan's size is the object's.
      return { size: plan.size, contentType: handle.contentType, etag, lastModified: new Date(now()) };
    });

    return json(200, {
      ...fileProperties({ level: handle.level, ...folderFields(folder), key: handle.key }, properties),
      ...scanField(scan),
    });
  };
}
