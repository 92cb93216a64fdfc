import { useId, useMemo, useRef, useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { type Level, type ShownProblem, toShownProblem } from './api';
import { pathOf } from './folder-place';
import { formatBytes } from './format';
import { ProblemView } from './problem-view';
import { FileUpload, handleStore, UploadProblem } from './upload';

interface Transfer {
  readonly id: number;
  readonly name: string;
  /** Bytes storage holds, plus those of requests in flight. */
  readonly loaded: number;
  readonly stored: number;
  readonly total: number;
  readonly multipart: boolean;
  readonly state: 'uploading' | 'paused' | 'done' | 'failed' | 'cancelled';
  /** Parts storage already held when the last run started (a resume that continued). */
  readonly resumedParts?: number;
  /** Body bytes the last run sent to storage. */
  readonly sentBytes?: number;
}

let nextId = 0;

/** Upload into the folder shown, by picking or dropping files; each with its progress and controls. */
export function UploadPanel({
  api,
  identityId,
  place,
  onUploaded,
}: {
  api: FilesClient;
  /** Whose unfinished uploads this browser remembers (see `handleStore`). */
  identityId: string;
  /** The folder: one of the caller's own, or a group's (`group`). */
  place: { readonly level: Level; readonly group?: string; readonly prefix: string };
  onUploaded: () => void;
}) {
  const { level, group, prefix } = place;
  const headingId = useId();
  const handles = useMemo(() => handleStore(identityId), [identityId]);
  const [name, setName] = useState('');
  const [keepExisting, setKeepExisting] = useState(false);
  const [transfers, setTransfers] = useState<readonly Transfer[]>([]);
  const [problem, setProblem] = useState<ShownProblem>();
  const [announcement, setAnnouncement] = useState('');
  const [dragging, setDragging] = useState(false);
  const uploads = useRef(new Map<number, FileUpload>());

  const update = (id: number, change: Partial<Transfer>) =>
    setTransfers((all) =>
      all.map((transfer) => (transfer.id === id ? { ...transfer, ...change } : transfer)),
    );

  /** One run of one upload, until it completes, pauses, is cancelled or fails. */
  const run = async (id: number, job: FileUpload): Promise<boolean> => {
    const key = job.request.key;
    update(id, { state: 'uploading' });
    try {
      const outcome = await job.run();
      if (outcome.state === 'done') {
        update(id, {
          state: 'done',
          loaded: job.request.file.size,
          resumedParts: outcome.result.resumedParts,
          sentBytes: outcome.result.bytesSent,
        });
        uploads.current.delete(id);
        setAnnouncement(`Uploaded ${key}`);
        onUploaded();
      } else if (outcome.state === 'paused') {
        update(id, { state: 'paused' });
        setAnnouncement(`Upload of ${key} paused`);
      }
      // Cancelled: shown by `cancel`, once storage has abandoned the upload.
      return true;
    } catch (error) {
      update(id, { state: 'failed' });
      uploads.current.delete(id);
      setProblem(error instanceof UploadProblem ? error.problem : toShownProblem(error));
      setAnnouncement(`Upload of ${key} failed`);
      return false;
    }
  };

  const start = async (files: readonly File[]) => {
    setProblem(undefined);
    // A chosen name applies to a single file; several files keep their own names.
    const chosen = files.length === 1 ? name.trim() : '';
    const runs = files.map((file) => {
      const id = nextId++;
      const key = `${prefix}${chosen || file.name}`;
      const job = new FileUpload(
        api,
        { level, ...(group === undefined ? {} : { group }), key, file, overwrite: !keepExisting },
        (progress) =>
          update(id, {
            loaded: Math.min(progress.stored + progress.sending, progress.total),
            stored: progress.stored,
          }),
        handles,
      );
      uploads.current.set(id, job);
      setTransfers((all) => [
        ...all.slice(-4),
        {
          id,
          name: key,
          loaded: 0,
          stored: 0,
          total: file.size,
          multipart: job.multipart,
          state: 'uploading',
        },
      ]);
      setAnnouncement(`Uploading ${key}`);
      return run(id, job);
    });
    // A refused name stays, to be corrected.
    if ((await Promise.all(runs)).every(Boolean)) setName('');
  };

  const pause = (id: number) => uploads.current.get(id)?.pause();
  const resume = (id: number) => {
    const job = uploads.current.get(id);
    if (job) void run(id, job);
  };
  const cancel = async (id: number) => {
    const job = uploads.current.get(id);
    uploads.current.delete(id);
    try {
      if ((await job?.cancel()) !== 'done') {
        update(id, { state: 'cancelled' });
        setAnnouncement(`Upload of ${job?.request.key ?? 'a file'} cancelled`);
      }
    } catch (error) {
      setProblem(error instanceof UploadProblem ? error.problem : toShownProblem(error));
    }
  };

  return (
    <section aria-labelledby={headingId} class="upload">
      <h3 id={headingId}>Upload to {pathOf(place)}</h3>
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
            <li
              key={transfer.id}
              class={transfer.state}
              data-transfer={transfer.name}
              data-stored={transfer.stored}
              data-sent={transfer.sentBytes}
            >
              <span class="transfer-name">{transfer.name}</span>
              <progress
                max={transfer.total || 1}
                value={transfer.state === 'done' ? transfer.total || 1 : transfer.loaded}
                aria-label={`Upload of ${transfer.name}`}
              />
              <span class="transfer-state">{describeTransfer(transfer)}</span>
              <span class="transfer-actions">
                {transfer.multipart && transfer.state === 'uploading' && !finishing(transfer) && (
                  <button type="button" onClick={() => pause(transfer.id)}>
                    Pause <span class="visually-hidden">upload of {transfer.name}</span>
                  </button>
                )}
                {transfer.state === 'paused' && (
                  <button type="button" onClick={() => resume(transfer.id)}>
                    Resume <span class="visually-hidden">upload of {transfer.name}</span>
                  </button>
                )}
                {(transfer.state === 'paused' ||
                  (transfer.state === 'uploading' && !finishing(transfer))) && (
                  <button type="button" class="danger" onClick={() => void cancel(transfer.id)}>
                    Cancel <span class="visually-hidden">upload of {transfer.name}</span>
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Every byte stored: the upload is being completed, too late to pause or cancel. */
function finishing(transfer: Transfer): boolean {
  return transfer.stored >= transfer.total;
}

function describeTransfer(transfer: Transfer): string {
  const of = `${formatBytes(transfer.loaded)} of ${formatBytes(transfer.total)}`;
  switch (transfer.state) {
    case 'uploading':
      return of;
    case 'paused':
      return `paused: ${formatBytes(transfer.stored)} of ${formatBytes(transfer.total)} stored`;
    case 'done':
      return transfer.resumedParts
        ? `${formatBytes(transfer.total)} ✓ (resumed: ${transfer.resumedParts} part${transfer.resumedParts === 1 ? ' was' : 's were'} already stored, ${formatBytes(transfer.sentBytes ?? 0)} sent)`
        : `${formatBytes(transfer.total)} ✓`;
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return 'failed';
  }
}
