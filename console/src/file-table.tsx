import { FileActions } from './file-actions';
import type { FileDialog } from './file-dialogs';
import { FileRow, FolderRow } from './file-row';
import { pathOf } from './folder-place';
import { Listing } from './listing';
import type { Folder } from './use-folder';

const COLUMNS = ['Name', 'Size', 'Last modified'];
/** With malware scanning, each file's scan status too. */
const SCANNED_COLUMNS = [...COLUMNS, 'Scan'];

/** The page of the folder shown: its subfolders first, then its files with their actions. */
export function FileTable({ folder, onDialog }: { folder: Folder; onDialog: (dialog: FileDialog) => void }) {
  const { place, value: page, loading, scanning } = folder;
  const columns = scanning ? SCANNED_COLUMNS : COLUMNS;
  const empty = page && page.items.length === 0 && page.folders.length === 0;
  return (
    <Listing
      columns={columns}
      busy={loading}
      caption={
        <>
          {pathOf(place)} {loading ? '(loading…)' : ''}
        </>
      }
      empty={empty ? 'This folder is empty.' : undefined}
    >
      {page?.folders.map((prefix) => (
        <FolderRow
          key={prefix}
          folder={prefix}
          span={columns.length + 1}
          onOpen={() => folder.go({ ...place, prefix })}
        />
      ))}
      {page?.items.map((item) => (
        <FileRow key={item.key} item={item} scanning={scanning}>
          <FileActions item={item} folder={folder} onDialog={onDialog} />
        </FileRow>
      ))}
    </Listing>
  );
}
