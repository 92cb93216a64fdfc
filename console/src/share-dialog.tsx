import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { type Level, type Share, unwrap } from './api';
import { Dialog, ResultView, useFormAction } from './dialog';
import { pathOf } from './folder-place';
import { ProblemView } from './problem-view';

/**
 * `POST /files/shares`: copies one of the caller's files (or one of their group's, `group`) to
 * `shared/{caller}/{grantee}/`.
 */
export function ShareDialog({
  api,
  level,
  group,
  fileKey,
  onShared,
  onClose,
}: {
  api: FilesClient;
  level: Level;
  group?: string | undefined;
  fileKey: string;
  onShared: (share: Share) => void;
  onClose: () => void;
}) {
  const from = group === undefined ? {} : { group };
  const [username, setUsername] = useState('');
  const { busy, problem, result, run } = useFormAction();

  const submit = () =>
    run(async () => {
      const share = unwrap(
        await api.POST('/files/shares', { body: { level, ...from, key: fileKey, with: username.trim() } }),
      );
      onShared(share);
      return `Shared ${share.key} with ${share.granteeUsername} (identity ${share.grantee}). Revoke it from the shared level.`;
    });

  return (
    <Dialog
      title={`Share ${pathOf({ level, group, prefix: fileKey })}`}
      submitLabel="Share"
      busy={busy}
      onSubmit={() => void submit()}
      onClose={onClose}
    >
      <label>
        Username <span class="hint">(or email of a user of this app)</span>
        <input
          name="share-with"
          required
          autocomplete="off"
          spellcheck={false}
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
      </label>
      <ProblemView problem={problem} label="Share error" />
      <ResultView message={result} />
    </Dialog>
  );
}
