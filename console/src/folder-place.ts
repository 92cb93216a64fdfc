import type { AnyLevel, FileItem, Level } from './api';
import { type DownloadRef, whose } from './download';

/**
 * One folder of one owner: `owner` undefined means the caller's own. In `shared`, the caller's own
 * shares are listed by `grantee` (whom they are shared with), a share with the caller by `owner`.
 * In `groups`, `group` names the team folder, which has no owner: every member may write in it.
 */
export interface Place {
  readonly level: AnyLevel;
  readonly owner?: string;
  /** The owner's name (as `GET /users` answers it), when the folder was opened by it: shown instead of the identity ID. */
  readonly ownerName?: string;
  readonly grantee?: string;
  readonly group?: string;
  readonly prefix: string;
}

/** How the API addresses a file of this folder. */
export function refOf(place: Place, item: FileItem): DownloadRef {
  return { level: place.level, key: item.key, ...whose(place) };
}

/** A group's folder is its members' as much as the caller's own. */
export function isOwn(place: Place, identityId: string): boolean {
  return place.owner === undefined || place.owner === identityId;
}

/** Uploads into `shared` are refused: sharing creates those objects. */
export function isWritable(place: Place, identityId: string): place is Place & { readonly level: Level } {
  return isOwn(place, identityId) && place.level !== 'shared';
}

/** Removing a file of `shared` revokes a share. */
export function deleteLabel(place: Place): 'Revoke' | 'Delete' {
  return place.level === 'shared' ? 'Revoke' : 'Delete';
}

/** The folder as a path: `groups/{group}/{prefix}` for a team folder, `{level}/{prefix}` otherwise. */
export function pathOf(place: Place): string {
  return place.group === undefined
    ? `${place.level}/${place.prefix}`
    : `${place.level}/${place.group}/${place.prefix}`;
}
