import type { components } from '../../../shared/api/schema';
import type { ObjectProperties } from '../../aws/storage';

type FileProperties = components['schemas']['FileProperties'];

/** The `FileProperties` answer for one object, addressed as the client addressed it. */
export function fileProperties(
  where: Pick<FileProperties, 'level' | 'owner' | 'grantee' | 'group' | 'key'>,
  properties: ObjectProperties,
): FileProperties {
  return {
    level: where.level,
    ...(where.owner === undefined ? {} : { owner: where.owner }),
    ...(where.grantee === undefined ? {} : { grantee: where.grantee }),
    ...(where.group === undefined ? {} : { group: where.group }),
    key: where.key,
    size: properties.size,
    contentType: properties.contentType,
    etag: properties.etag,
    lastModified: properties.lastModified.toISOString(),
    ...(properties.sha256 === undefined ? {} : { sha256: properties.sha256 }),
  };
}
