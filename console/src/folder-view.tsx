import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import type { Share } from './api';
import { SelectField } from './fields';
import { type FileDialog, FileDialogs } from './file-dialogs';
import { FileTable } from './file-table';
import { FolderPath } from './folder-path';
import { isWritable, pathOf } from './folder-place';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { StatusLine } from './status-line';
import { UploadPanel } from './upload-panel';
import type { Folder } from './use-folder';

const PAGE_SIZES = [10, 25, 50, 100];

/**
 * The folder a `useFolder` shows, whoever's it is (the caller's, another owner's, a group's): the
 * path, uploads where the caller may write, the page of files with their actions, and the pager.
 */
export function FolderView({
  api,
  identityId,
  folder,
  label,
  onShared,
}: {
  api: FilesClient;
  identityId: string;
  folder: Folder;
  /** What the panel's problems are called ("Files error"). */
  label: string;
  onShared: (share: Share) => void;
}) {
  const [dialog, setDialog] = useState<FileDialog>();
  const { place } = folder;
  return (
    <>
      <FolderPath place={place} own={folder.own} onGo={folder.go} />
      {isWritable(place, identityId) && (
        <UploadPanel
          // A fresh panel per folder: no earlier folder's transfers or errors linger.
          key={pathOf(place)}
          api={api}
          identityId={identityId}
          place={place}
          onUploaded={folder.reload}
        />
      )}
      <ProblemView problem={folder.problem} label={label} />
      <StatusLine status={folder.status} />
      <FileTable folder={folder} onDialog={setDialog} />
      <Pager {...folder.pager} labels={{ previous: 'Previous page', next: 'Next page' }}>
        <SelectField
          label="Per page"
          name="page-size"
          value={folder.pageSize}
          options={PAGE_SIZES}
          onChange={folder.resize}
        />
      </Pager>
      <FileDialogs
        api={api}
        dialog={dialog}
        folder={folder}
        onShared={onShared}
        onClose={() => setDialog(undefined)}
      />
    </>
  );
}
