import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { expectOk, type FileItem, type Me, unwrap } from './api';
import { copyText } from './clipboard';
import { download as save, whose } from './download';
import { deleteLabel, isOwn, isWritable, type Place, refOf } from './folder-place';
import { baseName } from './format';
import { useStatusLine } from './status-line';
import { useCursorPages } from './use-newest';
import { useScanPolling } from './use-scan-polling';

/**
 * One page of the folder, its subfolders as `folders`; with `scan`, each scanned file's status
 * (one storage call per file on the server, so asked only where the deployment scans).
 */
async function listFolder(
  api: FilesClient,
  place: Place,
  limit: number,
  cursor: string | undefined,
  scan: boolean,
) {
  const { level, prefix } = place;
  const query = {
    level,
    prefix,
    delimiter: '/' as const,
    limit,
    ...whose(place),
    ...(cursor === undefined ? {} : { cursor }),
    ...(scan ? { scan: true } : {}),
  };
  return unwrap(await api.GET('/files', { params: { query } }));
}

const OWN_PRIVATE: Place = { level: 'private', prefix: '' };

/** What a row offers: download, copy its permanent link, and delete (then `reload`). */
function fileActions(
  api: FilesClient,
  place: Place,
  act: ReturnType<typeof useStatusLine>['act'],
  closeConfirm: () => void,
  reload: () => void,
) {
  const download = (item: FileItem) =>
    act(async () => {
      await save(api, refOf(place, item));
      return `Downloading ${baseName(item.key)}`;
    });
  /** Only the link the API listed: a file without one (no guest access) offers no such action. */
  const copyLink = (item: FileItem & { readonly publicUrl: string }) =>
    act(async () => {
      await copyText(item.publicUrl, `the public link of ${baseName(item.key)}`);
      return `Copied the public link of ${baseName(item.key)}`;
    });
  const remove = async (item: FileItem) => {
    closeConfirm();
    const removed = await act(async () => {
      // Only the caller's own files (or their group's) are deleted: no owner, but the grantee a
      // share is filed under, or the group.
      const query = {
        level: place.level,
        key: item.key,
        ...whose({ grantee: place.grantee, group: place.group }),
      };
      expectOk(await api.DELETE('/files', { params: { query } }));
      return `${place.level === 'shared' ? 'Revoked' : 'Deleted'} ${baseName(item.key)}`;
    });
    if (removed) reload();
  };

  return { download, copyLink, remove };
}

/**
 * The folder shown (first `initial`) and what is done to its files: the page listed, navigation
 * (which starts at the first page and forgets the last action), download, copying a public file's
 * permanent link, and delete (asked, then confirmed). Every change reloads the page and tells
 * `onChanged`. Where the deployment scans for malware, files carry their scan status and the page
 * is listed again while a scan is unsettled; a file removed as malware tells `onChanged` too (the
 * owner's rejections).
 */
export function useFolder(
  api: FilesClient,
  me: Pick<Me, 'identityId' | 'malwareScanning'>,
  onChanged: () => void,
  initial: Place = OWN_PRIVATE,
) {
  const { identityId } = me;
  const scanning = me.malwareScanning !== undefined;
  const [place, setPlace] = useState<Place>(initial);
  const [pageSize, setPageSize] = useState(25);
  const [reloads, setReloads] = useState(0);
  const [polls, setPolls] = useState(0);
  const [confirming, setConfirming] = useState<string>();
  const listing = useCursorPages(
    (cursor) => listFolder(api, place, pageSize, cursor, scanning),
    [api, place, pageSize, reloads, polls, scanning],
  );
  const { status, setStatus, act } = useStatusLine(listing.setProblem);
  const { cursors, setCursors } = listing.pager;
  useScanPolling(
    listing.value,
    JSON.stringify([place, pageSize, reloads, cursors.at(-1)]),
    () => setPolls((count) => count + 1),
    onChanged,
  );

  const reload = () => {
    setReloads((count) => count + 1);
    onChanged();
  };
  const go = (next: Place) => {
    setPlace(next);
    setCursors([]);
    setConfirming(undefined);
    setStatus('');
  };
  const resize = (size: number) => {
    setPageSize(size);
    setCursors([]);
  };
  const { download, copyLink, remove } = fileActions(
    api,
    place,
    act,
    () => {
      setConfirming(undefined);
    },
    reload,
  );

  return {
    ...listing,
    place,
    scanning,
    own: isOwn(place, identityId),
    writable: isWritable(place, identityId),
    deleteLabel: deleteLabel(place),
    pageSize,
    status,
    confirming,
    setConfirming,
    go,
    resize,
    reload,
    download,
    copyLink,
    remove,
  };
}

export type Folder = ReturnType<typeof useFolder>;
