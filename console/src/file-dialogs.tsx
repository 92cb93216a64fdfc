import type { FilesClient } from '../../shared/api/client';
import type { FileItem, Share } from './api';
import { CopyDialog } from './copy-dialog';
import { refOf } from './folder-place';
import { ShareDialog } from './share-dialog';
import type { Folder } from './use-folder';

/** A dialog open on one file. */
export type FileDialog = { readonly action: 'share' | 'copy'; readonly item: FileItem };

/** The dialog a file's action opened, on the folder it was opened in. */
export function FileDialogs({
  api,
  dialog,
  folder,
  onShared,
  onClose,
}: {
  api: FilesClient;
  dialog: FileDialog | undefined;
  folder: Folder;
  onShared: (share: Share) => void;
  onClose: () => void;
}) {
  const { place } = folder;
  if (dialog?.action === 'share' && place.level !== 'shared') {
    return (
      <ShareDialog
        api={api}
        level={place.level}
        group={place.group}
        fileKey={dialog.item.key}
        onShared={onShared}
        onClose={onClose}
      />
    );
  }
  if (dialog?.action === 'copy') {
    return (
      <CopyDialog
        api={api}
        from={refOf(place, dialog.item)}
        canMove={folder.own}
        onCopied={folder.reload}
        onClose={onClose}
      />
    );
  }
  return null;
}
