import type { ComponentChildren } from 'preact';
import type { FileItem } from './api';
import { baseName, DateTime, formatBytes } from './format';

/** A file of the folder shown: name, size, last change, then its actions. */
export function FileRow({ item, children }: { item: FileItem; children: ComponentChildren }) {
  return (
    <tr data-key={item.key}>
      <td>{baseName(item.key)}</td>
      <td>{formatBytes(item.size)}</td>
      <td>
        <DateTime value={item.lastModified} />
      </td>
      <td class="actions">{children}</td>
    </tr>
  );
}

/** A subfolder of the folder shown, opened by its name. */
export function FolderRow({ folder, onOpen }: { folder: string; onOpen: () => void }) {
  return (
    <tr class="folder">
      <td colSpan={4}>
        <button type="button" class="link" onClick={onOpen}>
          <span aria-hidden="true">📁 </span>
          {baseName(folder.slice(0, -1))}/
        </button>
      </td>
    </tr>
  );
}
