import { useState } from 'preact/hooks';
import { ALL_LEVELS, type AnyLevel } from './api';
import { SelectField } from './fields';
import type { Place } from './folder-place';

/**
 * Opens the root of any folder the caller may list: a level, an owner (others' protected and public
 * files, or shares with the caller) and, in `shared`, a grantee. The grantee is the browser's, so a
 * new share can fill it in.
 */
export function FolderForm({
  identityId,
  grantee,
  onGranteeInput,
  onOpen,
}: {
  identityId: string;
  grantee: string;
  onGranteeInput: (grantee: string) => void;
  onOpen: (place: Place) => void;
}) {
  const [level, setLevel] = useState<AnyLevel>('private');
  const [owner, setOwner] = useState('');
  const open = () => {
    const ownerId = owner.trim();
    const granteeId = grantee.trim();
    onOpen({
      level,
      prefix: '',
      ...(level !== 'private' && ownerId ? { owner: ownerId } : {}),
      ...(level === 'shared' && granteeId ? { grantee: granteeId } : {}),
    });
  };
  return (
    <form
      class="open-folder"
      onSubmit={(event) => {
        event.preventDefault();
        open();
      }}
    >
      <SelectField label="Level" name="level" value={level} options={ALL_LEVELS} onChange={setLevel} />
      <label>
        Owner identity ID <span class="hint">(not private; empty for your own)</span>
        <input
          name="owner"
          value={owner}
          disabled={level === 'private'}
          placeholder={identityId}
          spellcheck={false}
          onInput={(event) => setOwner(event.currentTarget.value)}
        />
      </label>
      <label>
        Grantee identity ID <span class="hint">(shared: your shares with this user)</span>
        <input
          name="grantee"
          value={grantee}
          disabled={level !== 'shared'}
          spellcheck={false}
          onInput={(event) => onGranteeInput(event.currentTarget.value)}
        />
      </label>
      <button type="submit">Open folder</button>
    </form>
  );
}
