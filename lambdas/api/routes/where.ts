/**
 * How an answer names the folder an object is in, as the client addressed it: `owner` (and
 * `grantee` in `shared`), or `group` in `groups`, whose folders belong to no identity.
 */
import type { Folder } from '../../../shared/domain/keys';

export interface FolderFields {
  owner?: string;
  grantee?: string;
  group?: string;
}

export function folderFields(folder: Folder): FolderFields {
  if (folder.group !== undefined) return { group: folder.group };
  return { owner: folder.owner, ...(folder.grantee === undefined ? {} : { grantee: folder.grantee }) };
}
