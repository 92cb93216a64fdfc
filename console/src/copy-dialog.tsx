import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { LEVELS, type OwnLevel, unwrap } from './api';
import { Dialog, ResultView, useFormAction } from './dialog';
import { type DownloadRef, whose } from './download';
import { Checkbox, SelectField } from './fields';
import { pathOf } from './folder-place';
import { formatBytes } from './format';
import { ProblemView } from './problem-view';

interface CopyTarget {
  readonly level: OwnLevel;
  readonly key: string;
  readonly overwrite: boolean;
  readonly move: boolean;
}

/** Copies (or moves) `from` to `to`; the message to show once done. */
async function copyFile(api: FilesClient, from: DownloadRef, to: CopyTarget): Promise<string> {
  const { level, key, overwrite, move } = to;
  const copied = unwrap(
    await api.POST('/files/copies', {
      body: {
        from: { level: from.level, key: from.key, ...whose(from) },
        to: { level, key },
        overwrite,
        move,
      },
    }),
  );
  return `${move ? 'Moved' : 'Copied'} to ${level}/${key} (${formatBytes(copied.size)}).`;
}

interface CopyDialogProps {
  api: FilesClient;
  from: DownloadRef;
  /** Only the caller's own files may be moved. */
  canMove: boolean;
  onCopied: () => void;
  onClose: () => void;
}

/**
 * `POST /files/copies`: copy (or, for the caller's own files, move or rename) anything the caller may
 * read into one of their own folders. The server copies with the caller's own credentials.
 */
export function CopyDialog({ api, from, canMove, onCopied, onClose }: CopyDialogProps) {
  const [level, setLevel] = useState<OwnLevel>(
    from.level === 'shared' || from.level === 'groups' ? 'private' : from.level,
  );
  const [key, setKey] = useState(from.key);
  const [overwrite, setOverwrite] = useState(false);
  const [wantsMove, setMove] = useState(false);
  const move = canMove && wantsMove;
  const { busy, problem, result, run } = useFormAction();

  const submit = () =>
    run(async () => {
      const message = await copyFile(api, from, { level, key: key.trim(), overwrite, move });
      onCopied();
      return message;
    });

  return (
    <Dialog
      title={`Copy ${pathOf({ ...from, prefix: from.key })}`}
      submitLabel={move ? 'Move' : 'Copy'}
      busy={busy}
      onSubmit={() => void submit()}
      onClose={onClose}
    >
      <SelectField
        label="Target level"
        name="copy-level"
        value={level}
        options={LEVELS}
        onChange={setLevel}
      />
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
      <Checkbox name="copy-overwrite" checked={overwrite} onChange={setOverwrite}>
        Replace an existing file
      </Checkbox>
      {canMove && (
        <Checkbox name="copy-move" checked={wantsMove} onChange={setMove}>
          Move (delete the original once copied)
        </Checkbox>
      )}
      <ProblemView problem={problem} label="Copy error" />
      <ResultView message={result} />
    </Dialog>
  );
}
