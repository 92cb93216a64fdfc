import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { type Level, type Share, type ShownProblem, toShownProblem, unwrap } from './api';
import { Dialog, ResultView } from './dialog';
import { ProblemView } from './problem-view';

/** `POST /files/shares`: copies one of the caller's files to `shared/{caller}/{grantee}/`. */
export function ShareDialog({
  api,
  level,
  fileKey,
  onShared,
  onClose,
}: {
  api: FilesClient;
  level: Level;
  fileKey: string;
  onShared: (share: Share) => void;
  onClose: () => void;
}) {
  const [username, setUsername] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ShownProblem>();
  const [share, setShare] = useState<Share>();

  const submit = async () => {
    setBusy(true);
    setProblem(undefined);
    setShare(undefined);
    try {
      const made = unwrap(
        await api.POST('/files/shares', { body: { level, key: fileKey, with: username.trim() } }),
      );
      setShare(made);
      onShared(made);
    } catch (error) {
      setProblem(toShownProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={`Share ${level}/${fileKey}`}
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
      <ResultView
        message={
          share &&
          `Shared ${share.key} with ${share.granteeUsername} (identity ${share.grantee}). Revoke it from the shared level.`
        }
      />
    </Dialog>
  );
}
