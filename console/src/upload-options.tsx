import { Checkbox } from './fields';

/** How the next upload is stored: under another name (one file only), and whether it may replace. */
export function UploadOptions({
  name,
  onName,
  keepExisting,
  onKeepExisting,
}: {
  name: string;
  onName: (name: string) => void;
  keepExisting: boolean;
  onKeepExisting: (keepExisting: boolean) => void;
}) {
  return (
    <div class="upload-options">
      <label>
        Save as <span class="hint">(optional, one file; relative to this folder)</span>
        <input
          name="save-as"
          value={name}
          spellcheck={false}
          onInput={(event) => onName(event.currentTarget.value)}
        />
      </label>
      <Checkbox name="keep-existing" checked={keepExisting} onChange={onKeepExisting}>
        Never replace an existing file
      </Checkbox>
    </div>
  );
}
