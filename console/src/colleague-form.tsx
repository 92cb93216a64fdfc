import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { unwrap } from './api';
import { ResultView, useFormAction } from './dialog';
import { SelectField } from './fields';
import type { Place } from './folder-place';
import { ProblemView } from './problem-view';

/** The levels another user's folder can be read in. */
const READABLE = ['protected', 'public'] as const;
type Readable = (typeof READABLE)[number];

/**
 * "Open a colleague's folder": `GET /users/{username}` turns a username (or an email alias) into
 * the identity ID their `protected` and `public` folders are keyed by, and that folder is opened.
 * An unknown user, or an API that does not serve the lookup, shows the API's problem.
 */
export function ColleagueForm({ api, onOpen }: { api: FilesClient; onOpen: (place: Place) => void }) {
  const [username, setUsername] = useState('');
  const [level, setLevel] = useState<Readable>('protected');
  const { busy, problem, result, run } = useFormAction();
  const open = () =>
    run(async () => {
      const params = { path: { username: username.trim() } };
      const user = unwrap(await api.GET('/users/{username}', { params }));
      onOpen({ level, owner: user.identityId, ownerName: user.name, prefix: '' });
      return `Opened ${user.name}'s ${level} folder.`;
    });
  return (
    <form
      class="open-colleague"
      aria-label="Open a colleague's folder"
      onSubmit={(event) => {
        event.preventDefault();
        void open();
      }}
    >
      <label>
        Colleague's username <span class="hint">(or email)</span>
        <input
          name="colleague"
          required
          autocomplete="off"
          spellcheck={false}
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
      </label>
      <SelectField
        label="Their folder"
        name="colleague-level"
        value={level}
        options={READABLE}
        onChange={setLevel}
      />
      <button type="submit" disabled={busy}>
        Open colleague's folder
      </button>
      <ProblemView problem={problem} label="Colleague error" />
      <ResultView message={result} />
    </form>
  );
}
