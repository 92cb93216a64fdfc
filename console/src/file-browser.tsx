import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import type { Me } from './api';
import { ColleagueForm } from './colleague-form';
import { FolderForm } from './folder-form';
import { FolderView } from './folder-view';
import { useFolder } from './use-folder';

/** Any folder the caller may list: open it, walk it, upload into it, and act on its files. */
export function FileBrowser({ api, me, onChanged }: { api: FilesClient; me: Me; onChanged: () => void }) {
  const folder = useFolder(api, me, onChanged);
  const [granteeInput, setGranteeInput] = useState('');

  return (
    <section aria-labelledby="files-heading" class="panel files">
      <h2 id="files-heading">Files</h2>
      <FolderForm
        identityId={me.identityId}
        grantee={granteeInput}
        onGranteeInput={setGranteeInput}
        onOpen={folder.go}
      />
      <ColleagueForm api={api} onOpen={folder.go} />
      <FolderView
        api={api}
        identityId={me.identityId}
        folder={folder}
        label="Files error"
        onShared={(share) => {
          // The new share's grantee, ready to open their folder of `shared`.
          setGranteeInput(share.grantee);
          onChanged();
        }}
      />
    </section>
  );
}
