import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { ConflictError, PayloadTooLargeError } from '../../../shared/domain/errors';
import { keyIn, usageOwnerOf, writeFolder } from '../../../shared/domain/keys';
import { MAX_SINGLE_PUT_BYTES } from '../../../shared/domain/limits';
import { checkUpload } from '../../../shared/domain/upload-rules';
import type { AppDeps } from '../deps';
import { publicUrlField } from '../http/public-url';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { contentType, group, key, level, sha256 } from './schemas';
import { folderFields } from './where';

type PresignedRequest = components['schemas']['PresignedRequest'];

/** `POST /files/uploads`: a presigned PUT into the caller's own folder. */
export function createUploadRoute({ config, identity, storage, quotas }: AppDeps) {
  const Body = z.strictObject({
    level,
    key,
    contentType,
    size: z
      .number({ error: 'must be a number of bytes' })
      .int('must be a whole number of bytes')
      .min(0, 'must not be negative'),
    sha256: sha256.optional(),
    overwrite: z.boolean({ error: 'must be true or false' }).optional(),
    group: group.optional(),
  });
  const lifetimeSeconds = config.defaultUrlLifetimeSeconds;

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    // The level's size and type rules, before any AWS call: a refused upload costs nothing.
    checkUpload(config.uploadRules, input.level, input.contentType, input.size);
    if (input.size > MAX_SINGLE_PUT_BYTES) {
      throw PayloadTooLargeError.of(
        'size',
        `one PUT takes at most ${MAX_SINGLE_PUT_BYTES} bytes (5 GiB, S3's limit): start a multipart upload (POST /files/multipart)`,
      );
    }
    const identityId = await identity.identityId(caller);
    // Uploads only ever go to the caller's own folder or one of their groups': no owner to choose.
    const folder = writeFolder(input.level, identityId, input.group, identity.groupsOf(caller));
    const fullKey = keyIn(folder, input.key);
    const ifNoneMatch = input.overwrite === false;

    const presigned = await identity.withSession(caller, { lifetimeSeconds }, async (session) => {
      await storage.checkCredentials(session);
      // Answer 409 at once for a key that exists; the signed If-None-Match still guards the race.
      if (ifNoneMatch && (await storage.exists(session, fullKey))) {
        throw new ConflictError('an object with this key already exists and overwrite is false');
      }
      // Holds the size against the quota until the object's event arrives or the URL expires.
      await quotas?.reserveUpload(usageOwnerOf(folder), fullKey, input.size, lifetimeSeconds);
      return storage.presignPut(session, {
        key: fullKey,
        contentType: input.contentType,
        size: input.size,
        sha256: input.sha256,
        ifNoneMatch,
        lifetimeSeconds,
      });
    });

    const body: PresignedRequest = {
      method: 'PUT',
      url: presigned.url,
      headers: { ...presigned.headers },
      expiresAt: presigned.expiresAt.toISOString(),
      level: input.level,
      ...folderFields(folder),
      key: input.key,
    };
    return json(201, { ...body, ...publicUrlField(event, identity.guest !== undefined, body) });
  };
}
