import { useMemo, useRef, useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import type { UploadStore } from '../../shared/api/upload';
import { type ShownProblem, toShownProblem } from './api';
import type { Transfer } from './transfer';
import { FileUpload, handleStore, UploadProblem, type UploadRequest } from './upload';

let nextId = 0;

/** What runs change in the panel: its list, its announcement, its problem. */
interface Board {
  readonly uploads: Map<number, FileUpload>;
  add(transfer: Transfer): void;
  update(id: number, change: Partial<Transfer>): void;
  announce(message: string): void;
  fail(error: unknown): void;
  onUploaded(): void;
}

/** One run of one upload, until it completes, pauses, is cancelled or fails; `false` if it failed. */
async function runTransfer(board: Board, id: number, job: FileUpload): Promise<boolean> {
  const key = job.request.key;
  board.update(id, { state: 'uploading' });
  try {
    const outcome = await job.run();
    if (outcome.state === 'done') {
      const { resumedParts, bytesSent } = outcome.result;
      board.update(id, { state: 'done', loaded: job.request.file.size, resumedParts, sentBytes: bytesSent });
      board.uploads.delete(id);
      board.announce(`Uploaded ${key}`);
      board.onUploaded();
    } else if (outcome.state === 'paused') {
      board.update(id, { state: 'paused' });
      board.announce(`Upload of ${key} paused`);
    }
    // Cancelled: shown by `cancelTransfer`, once storage has abandoned the upload.
    return true;
  } catch (error) {
    board.update(id, { state: 'failed' });
    board.uploads.delete(id);
    board.fail(error);
    board.announce(`Upload of ${key} failed`);
    return false;
  }
}

/** Lists a new upload and runs it. */
function startTransfer(board: Board, api: FilesClient, handles: UploadStore, request: UploadRequest) {
  const id = nextId++;
  const { key, file } = request;
  const job = new FileUpload(
    api,
    request,
    ({ stored, sending, total }) => board.update(id, { loaded: Math.min(stored + sending, total), stored }),
    handles,
  );
  board.uploads.set(id, job);
  board.add({
    id,
    name: key,
    loaded: 0,
    stored: 0,
    total: file.size,
    multipart: job.multipart,
    state: 'uploading',
  });
  board.announce(`Uploading ${key}`);
  return runTransfer(board, id, job);
}

async function cancelTransfer(board: Board, id: number): Promise<void> {
  const job = board.uploads.get(id);
  board.uploads.delete(id);
  try {
    if ((await job?.cancel()) !== 'done') {
      board.update(id, { state: 'cancelled' });
      board.announce(`Upload of ${job?.request.key ?? 'a file'} cancelled`);
    }
  } catch (error) {
    board.fail(error);
  }
}

/**
 * The panel's uploads: the last five listed with their progress, an announcement for screen
 * readers, and the last failure (the API's own problem when it answered one).
 */
export function useTransfers(api: FilesClient, identityId: string, onUploaded: () => void) {
  const handles = useMemo(() => handleStore(identityId), [identityId]);
  const [transfers, setTransfers] = useState<readonly Transfer[]>([]);
  const [problem, setProblem] = useState<ShownProblem>();
  const [announcement, setAnnouncement] = useState('');
  const uploads = useRef(new Map<number, FileUpload>());
  const board: Board = {
    uploads: uploads.current,
    add: (transfer) => setTransfers((all) => [...all.slice(-4), transfer]),
    update: (id, change) =>
      setTransfers((all) =>
        all.map((transfer) => (transfer.id === id ? { ...transfer, ...change } : transfer)),
      ),
    announce: setAnnouncement,
    fail: (error) => setProblem(error instanceof UploadProblem ? error.problem : toShownProblem(error)),
    onUploaded,
  };

  /** Uploads each request at once; resolves whether none failed. */
  const start = async (requests: readonly UploadRequest[]): Promise<boolean> => {
    setProblem(undefined);
    const runs = requests.map((request) => startTransfer(board, api, handles, request));
    return (await Promise.all(runs)).every(Boolean);
  };
  const pause = (id: number) => uploads.current.get(id)?.pause();
  const resume = (id: number) => {
    const job = uploads.current.get(id);
    if (job) void runTransfer(board, id, job);
  };
  const cancel = (id: number) => cancelTransfer(board, id);
  return { transfers, problem, announcement, start, pause, resume, cancel };
}
