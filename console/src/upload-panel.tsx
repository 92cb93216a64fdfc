import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import type { Level } from './api';
import { DropZone } from './drop-zone';
import { ProblemView } from './problem-view';
import { TransferRow } from './transfer-row';
import { UploadOptions } from './upload-options';
import { useTransfers } from './use-transfers';

interface UploadPanelProps {
  api: FilesClient;
  /** Whose unfinished uploads this browser remembers (see `handleStore`). */
  identityId: string;
  level: Level;
  prefix: string;
  onUploaded: () => void;
}

/** Upload into the folder shown, by picking or dropping files; each with its progress and controls. */
export function UploadPanel({ api, identityId, level, prefix, onUploaded }: UploadPanelProps) {
  const [name, setName] = useState('');
  const [keepExisting, setKeepExisting] = useState(false);
  const { transfers, problem, announcement, start, pause, resume, cancel } = useTransfers(
    api,
    identityId,
    onUploaded,
  );
  const upload = async (files: readonly File[]) => {
    // A chosen name applies to a single file; several files keep their own names.
    const chosen = files.length === 1 ? name.trim() : '';
    const requests = files.map((file) => ({
      level,
      key: `${prefix}${chosen || file.name}`,
      file,
      overwrite: !keepExisting,
    }));
    // A refused name stays, to be corrected.
    if (await start(requests)) setName('');
  };

  return (
    <section aria-labelledby="upload-heading" class="upload">
      <h3 id="upload-heading">
        Upload to {level}/{prefix}
      </h3>
      <DropZone onFiles={(files) => void upload(files)} />
      <UploadOptions
        name={name}
        onName={setName}
        keepExisting={keepExisting}
        onKeepExisting={setKeepExisting}
      />
      <ProblemView problem={problem} label="Upload error" />
      <p role="status" class="visually-hidden">
        {announcement}
      </p>
      {transfers.length > 0 && (
        <ul class="transfers">
          {transfers.map((transfer) => (
            <TransferRow
              key={transfer.id}
              transfer={transfer}
              onPause={() => pause(transfer.id)}
              onResume={() => resume(transfer.id)}
              onCancel={() => void cancel(transfer.id)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
