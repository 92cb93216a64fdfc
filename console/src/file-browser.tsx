import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import type { Me } from './api';
import { SelectField } from './fields';
import { type FileDialog, FileDialogs } from './file-dialogs';
import { FileTable } from './file-table';
import { FolderForm } from './folder-form';
import { FolderPath } from './folder-path';
import { isWritable } from './folder-place';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { StatusLine } from './status-line';
import { UploadPanel } from './upload-panel';
import { useFolder } from './use-folder';

const PAGE_SIZES = [10, 25, 50, 100];

/** Any folder the caller may list: open it, walk it, upload into it, and act on its files. */
export function FileBrowser({ api, me, onChanged }: { api: FilesClient; me: Me; onChanged: () => void }) {
  const folder = useFolder(api, me.identityId, onChanged);
  const [granteeInput, setGranteeInput] = useState('');
  const [dialog, setDialog] = useState<FileDialog>();
  const { place } = folder;

  return (
    <section aria-labelledby="files-heading" class="panel files">
      <h2 id="files-heading">Files</h2>
      <FolderForm
        identityId={me.identityId}
        grantee={granteeInput}
        onGranteeInput={setGranteeInput}
        onOpen={folder.go}
      />
      <FolderPath place={place} own={folder.own} onGo={folder.go} />
      {isWritable(place, me.identityId) && (
        <UploadPanel
          // A fresh panel per folder: no earlier folder's transfers or errors linger.
          key={`${place.level}/${place.prefix}`}
          api={api}
          identityId={me.identityId}
          level={place.level}
          prefix={place.prefix}
          onUploaded={folder.reload}
        />
      )}
      <ProblemView problem={folder.problem} label="Files error" />
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
        onShared={(share) => {
          // The new share's grantee, ready to open their folder of `shared`.
          setGranteeInput(share.grantee);
          onChanged();
        }}
        onClose={() => setDialog(undefined)}
      />
    </section>
  );
}
