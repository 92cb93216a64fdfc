import type { FileItem } from './api';
import { DeleteButton } from './delete-button';
import type { FileDialog } from './file-dialogs';
import { baseName } from './format';
import { RowButton } from './row-button';
import type { Folder } from './use-folder';

/**
 * What can be done to one file of the folder: each action one button, shown where the caller may
 * do it. Actions that ask for more open a dialog (`file-dialogs.tsx`). A `public` file the API
 * listed with its permanent link (guest access on) offers to copy that link.
 */
export function FileActions({
  item,
  folder,
  onDialog,
}: {
  item: FileItem;
  folder: Folder;
  onDialog: (dialog: FileDialog) => void;
}) {
  const name = baseName(item.key);
  const { publicUrl } = item;
  return (
    <>
      <RowButton label="Download" target={name} onClick={() => void folder.download(item)} />
      {publicUrl !== undefined && (
        <RowButton
          label="Copy public link"
          target={name}
          onClick={() => void folder.copyLink({ ...item, publicUrl })}
        />
      )}
      {folder.writable && (
        <RowButton label="Share…" target={name} onClick={() => onDialog({ action: 'share', item })} />
      )}
      <RowButton label="Copy…" target={name} onClick={() => onDialog({ action: 'copy', item })} />
      {folder.own && (
        <DeleteButton
          label={folder.deleteLabel}
          target={name}
          confirming={folder.confirming === item.key}
          onAsk={() => folder.setConfirming(item.key)}
          onConfirm={() => void folder.remove(item)}
          onCancel={() => folder.setConfirming(undefined)}
        />
      )}
    </>
  );
}
