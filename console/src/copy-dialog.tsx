import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { LEVELS, type Level, unwrap } from './api';
import { Dialog, ResultView, useFormAction } from './dialog';
import type { DownloadRef } from './download';
import { formatBytes } from './format';
import { ProblemView } from './problem-view';

/**
 * `POST /files/copies`: copy (or, for the caller's own files, move or rename) anything the caller may
 * read into one of their own folders. The server copies with the caller's own credentials.
 */
export function CopyDialog({
  api,
  from,
  canMove,
  onCopied,
  onClose,
}: {
  api: FilesClient;
  from: DownloadRef;
  /** Only the caller's own files may be moved. */
  canMove: boolean;
  onCopied: () => void;
  onClose: () => void;
}) {
  const [level, setLevel] = useState<Level>(from.level === 'shared' ? 'private' : from.level);
  const [key, setKey] = useState(from.key);
  const [overwrite, setOverwrite] = useState(false);
  const [move, setMove] = useState(false);
  const { busy, problem, result, run } = useFormAction();

  const submit = () =>
    run(async () => {
      const copied = unwrap(
        await api.POST('/files/copies', {
          body: {
            from: {
              level: from.level,
              key: from.key,
              ...(from.owner === undefined ? {} : { owner: from.owner }),
              ...(from.grantee === undefined ? {} : { grantee: from.grantee }),
            },
            to: { level, key: key.trim() },
            overwrite,
            move: canMove && move,
          },
        }),
      );
      onCopied();
      return `${canMove && move ? 'Moved' : 'Copied'} to ${level}/${key.trim()} (${formatBytes(copied.size)}).`;
    });

  return (
    <Dialog
      title={`Copy ${from.level}/${from.key}`}
      submitLabel={canMove && move ? 'Move' : 'Copy'}
      busy={busy}
      onSubmit={() => void submit()}
      onClose={onClose}
    >
      <label>
        Target level
        <select
          name="copy-level"
          value={level}
          onChange={(event) => setLevel(event.currentTarget.value as Level)}
        >
          {LEVELS.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      </label>
      <label>
        Target key <span class="hint">(in your own folder)</span>
        <input
          name="copy-key"
          required
          spellcheck={false}
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
      </label>
      <label class="checkbox">
        <input
          type="checkbox"
          name="copy-overwrite"
          checked={overwrite}
          onChange={(event) => setOverwrite(event.currentTarget.checked)}
        />
        Replace an existing file
      </label>
      {canMove && (
        <label class="checkbox">
          <input
            type="checkbox"
            name="copy-move"
            checked={move}
            onChange={(event) => setMove(event.currentTarget.checked)}
          />
          Move (delete the original once copied)
        </label>
      )}
      <ProblemView problem={problem} label="Copy error" />
      <ResultView message={result} />
    </Dialog>
  );
}
