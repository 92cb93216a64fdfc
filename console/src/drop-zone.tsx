import { useState } from 'preact/hooks';

/** The file picker, which also takes files dropped on it. */
export function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const [dragging, setDragging] = useState(false);
  return (
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
        onFiles([...(event.dataTransfer?.files ?? [])]);
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
          // Cleared, so picking the same file again (to resume it) fires a change.
          input.value = '';
          onFiles(files);
        }}
      />
    </label>
  );
}
