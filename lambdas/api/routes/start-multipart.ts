import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { ConflictError } from '../../../shared/domain/errors';
import { keyIn, usageOwnerOf, writeFolder } from '../../../shared/domain/keys';
import { encodeHandle, MAX_MULTIPART_BYTES, planParts } from '../../../shared/domain/multipart';
import { checkUpload } from '../../../shared/domain/upload-rules';
import type { AppDeps } from '../deps';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { describeUpload } from './multipart-handle';
import { contentType, group, key, level } from './schemas';

const DAY_SECONDS = 24 * 3600;

/** `POST /files/multipart`: starts a multipart upload in the caller's own folder. */
export function createStartMultipartRoute({ config, identity, storage, quotas }: AppDeps) {
  const Body = z.strictObject({
    level,
    key,
    contentType,
    size: z
      .number({ error: 'must be a number of bytes' })
      .int('must be a whole number of bytes')
      .min(1, 'must be at least 1 (send an empty object with POST /files/uploads)')
      .max(MAX_MULTIPART_BYTES, `must be at most ${MAX_MULTIPART_BYTES} (5 TiB, S3's limit)`),
    overwrite: z.boolean({ error: 'must be true or false' }).optional(),
    group: group.optional(),
  });

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    // The same rules as a single upload, before any AWS call.
    checkUpload(config.uploadRules, input.level, input.contentType, input.size);
    const plan = planParts(input.size);
    const identityId = await identity.identityId(caller);
    const folder = writeFolder(input.level, identityId, input.group, identity.groupsOf(caller));
    const fullKey = keyIn(folder, input.key);
    const overwrite = input.overwrite !== false;

    const started = await identity.withSession(caller, {}, async (session) => {
      // Answer 409 at once; the conditional completion still guards the race.
      if (!overwrite && (await storage.exists(session, fullKey))) {
        throw new ConflictError('an object with this key already exists and overwrite is false');
      }
      // Held as long as the bucket's lifecycle keeps the unfinished upload, so a resumable upload
      // keeps its reservation; the object's event releases it sooner.
      const holdSeconds = config.incompleteUploadExpiryDays * DAY_SECONDS;
      await quotas?.reserveUpload(usageOwnerOf(folder), fullKey, input.size, holdSeconds);
      return storage.createMultipart(session, { key: fullKey, contentType: input.contentType });
    });

    const handle = {
      level: input.level,
      key: input.key,
      size: input.size,
      contentType: input.contentType,
      overwrite,
      uploadId: started.uploadId,
      ...(folder.group === undefined ? {} : { group: folder.group }),
    };
    const upload = encodeHandle(handle);
    return json(201, describeUpload(upload, { handle, plan, folder, fullKey }, started.abortDate));
  };
}
