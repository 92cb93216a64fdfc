import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { type Level, type ShownProblem, toShownProblem } from './api';
import { formatBytes } from './format';
import { ProblemView } from './problem-view';
import { uploadFile } from './upload';

interface Transfer {
  readonly id: number;
  readonly name: string;
  readonly loaded: number;
  readonly total: number;
  readonly state: 'preparing' | 'uploading' | 'done' | 'failed';
}

let nextId = 0;

/** Upload into the folder shown, by picking or dropping files; one file at a time, each with its progress. */
export function UploadPanel({
  api,
  level,
  prefix,
  onUploaded,
}: {
  api: FilesClient;
  level: Level;
  prefix: string;
  onUploaded: () => void;
}) {
  const [name, setName] = useState('');
  const [keepExisting, setKeepExisting] = useState(false);
  const [transfers, setTransfers] = useState<readonly Transfer[]>([]);
  const [problem, setProblem] = useState<ShownProblem>();
  const [announcement, setAnnouncement] = useState('');
  const [dragging, setDragging] = useState(false);

  const update = (id: number, change: Partial<Transfer>) =>
    setTransfers((all) =>
      all.map((transfer) => (transfer.id === id ? { ...transfer, ...change } : transfer)),
    );

  const start = async (files: readonly File[]) => {
    setProblem(undefined);
    // A chosen name applies to a single file; several files keep their own names.
    const chosen = files.length === 1 ? name.trim() : '';
    let failed = false;
    for (const file of files) {
      const id = nextId++;
      const key = `${prefix}${chosen || file.name}`;
      setTransfers((all) => [
        ...all.slice(-4),
        { id, name: key, loaded: 0, total: file.size, state: 'preparing' },
      ]);
      setAnnouncement(`Uploading ${key}`);
      try {
        await uploadFile(api, { level, key, file, overwrite: !keepExisting }, (loaded, total) =>
          update(id, { loaded, total, state: 'uploading' }),
        );
        update(id, { loaded: file.size, state: 'done' });
        setAnnouncement(`Uploaded ${key}`);
        onUploaded();
      } catch (error) {
        failed = true;
        update(id, { state: 'failed' });
        setProblem(toShownProblem(error));
        setAnnouncement(`Upload of ${key} failed`);
      }
    }
    // A refused name stays, to be corrected.
    if (!failed) setName('');
  };

  return (
    <section aria-labelledby="upload-heading" class="upload">
      <h3 id="upload-heading">
        Upload to {level}/{prefix}
      </h3>
      <label
        class={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          void start([...(event.dataTransfer?.files ?? [])]);
        }}
      >
        <span>Drop files here, or choose files</span>
        <input
          type="file"
          name="files"
          multiple
          onChange={(event) => {
            const input = event.currentTarget;
            const files = [...(input.files ?? [])];
            input.value = '';
            void start(files);
          }}
        />
      </label>
      <div class="upload-options">
        <label>
          Save as <span class="hint">(optional, one file; relative to this folder)</span>
          <input
            name="save-as"
            value={name}
            spellcheck={false}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </label>
        <label class="checkbox">
          <input
            type="checkbox"
            name="keep-existing"
            checked={keepExisting}
            onChange={(event) => setKeepExisting(event.currentTarget.checked)}
          />
          Never replace an existing file
        </label>
      </div>
      <ProblemView problem={problem} label="Upload error" />
      <p role="status" class="visually-hidden">
        {announcement}
      </p>
      {transfers.length > 0 && (
        <ul class="transfers">
          {transfers.map((transfer) => (
            <li key={transfer.id} class={transfer.state}>
              <span class="transfer-name">{transfer.name}</span>
              <progress
                max={transfer.total || 1}
                value={transfer.state === 'done' ? transfer.total || 1 : transfer.loaded}
                aria-label={`Upload of ${transfer.name}`}
              />
              <span class="transfer-state">
                {transfer.state === 'failed'
                  ? 'failed'
                  : `${formatBytes(transfer.loaded)} of ${formatBytes(transfer.total)}${transfer.state === 'done' ? ' ✓' : ''}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
