import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../../../shared/domain/errors';
import { keyIn, resolveFolder, usageOwnerOf, writeFolder } from '../../../shared/domain/keys';
import { checkUpload } from '../../../shared/domain/upload-rules';
import type { AppDeps } from '../deps';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { underField } from './fields';
import { fileProperties } from './file-properties';
import { headWithScan, newObjectScan, scanField, scanningOf } from './scan-status';
import { anyLevel, grantee, group, key, level, owner } from './schemas';
import { folderFields } from './where';

const Body = z.strictObject({
  from: z.strictObject(
    { level: anyLevel, key, owner: owner.optional(), grantee: grantee.optional(), group: group.optional() },
    { error: 'must be an object {level, key, owner?, grantee?, group?}' },
  ),
  to: z.strictObject(
    { level, key, group: group.optional() },
    { error: 'must be an object {level, key, group?}' },
  ),
  overwrite: z.boolean({ error: 'must be true or false' }).optional(),
  move: z.boolean({ error: 'must be true or false' }).optional(),
});

/**
 * How long a copy's size is held against the quota: the copy completes within the request, and its
 * object's event then replaces the reservation.
 */
export const COPY_RESERVATION_SECONDS = 15 * 60;

/**
 * `POST /files/copies`: a server-side copy, with the caller's own credentials, of any object they
 * may read into one of their own levels; `move` then deletes the source, only when it is theirs.
 * The target level's upload rules apply to the source as a HEAD sees it, and the copy is pinned to
 * that HEAD's ETag, so what is copied is what was checked. With malware scanning, the copy is a new
 * object, held (`scan: pending`) until its own scan.
 */
export function createCopyRoute({ config, identity, storage, quotas }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const callerId = await identity.identityId(caller);
    const groups = identity.groupsOf(caller);
    const source = await underField('from', () => {
      const folder = resolveFolder(input.from.level, callerId, input.from, groups);
      return { folder, key: keyIn(folder, input.from.key) };
    });
    // Copies only ever land in the caller's own folder or one of their groups': no owner to choose.
    const target = await underField('to', () => {
      const folder = writeFolder(input.to.level, callerId, input.to.group, groups);
      return { folder, key: keyIn(folder, input.to.key) };
    });
    const targetKey = target.key;
    // The caller's own objects, or their group's (members may delete those), can be moved.
    if (input.move && source.folder.owner !== callerId && source.folder.group === undefined) {
      throw ValidationError.of('move', 'only your own objects can be moved; copy this one instead');
    }
    if (source.key === targetKey) throw ValidationError.of('to.key', 'must differ from the source');

    const copied = await identity.withSession(caller, {}, async (session) => {
      // A source storage does not serve (not scanned clean) answers the scan problem, not a 403.
      const { properties } = await headWithScan(scanningOf(config, source.key), storage, session, source.key);
      await underField('from', () =>
        checkUpload(config.uploadRules, input.to.level, properties.contentType, properties.size),
      );
      await quotas?.reserveUpload(
        usageOwnerOf(target.folder),
        targetKey,
        properties.size,
        COPY_RESERVATION_SECONDS,
      );
      const result = await storage.copy(session, {
        sourceKey: source.key,
        targetKey,
        source: properties,
        ifNoneMatch: input.overwrite === false,
      });
      // Only once the copy is complete: a failed copy leaves the source where it was.
      if (input.move) await storage.delete(session, source.key);
      return result;
    });

    const where = { level: input.to.level, ...folderFields(target.folder), key: input.to.key };
    // The copy has no scan tag yet: storage holds it until its own scan.
    const scan = newObjectScan(config, targetKey);
    return json(201, { ...fileProperties(where, copied), ...scanField(scan) });
  };
}
