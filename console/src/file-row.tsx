import type { ComponentChildren } from 'preact';
import type { FileItem } from './api';
import { baseName, DateTime, formatBytes } from './format';
import { ScanBadge } from './scan-badge';

/** A file of the folder shown: name, size, last change, its scan badge where scanned, then its actions. */
export function FileRow({
  item,
  scanning,
  children,
}: {
  item: FileItem;
  scanning: boolean;
  children: ComponentChildren;
}) {
  return (
    <tr data-key={item.key}>
      <td>{baseName(item.key)}</td>
      <td>{formatBytes(item.size)}</td>
      <td>
        <DateTime value={item.lastModified} />
      </td>
      {scanning && (
        <td class="scan">
          <ScanBadge scan={item.scan} />
        </td>
      )}
      <td class="actions">{children}</td>
    </tr>
  );
}

/** A subfolder of the folder shown, opened by its name, across the table's `span` columns. */
export function FolderRow({ folder, span, onOpen }: { folder: string; span: number; onOpen: () => void }) {
  return (
    <tr class="folder">
      <td colSpan={span}>
        <button type="button" class="link" onClick={onOpen}>
          <span aria-hidden="true">📁 </span>
          {baseName(folder.slice(0, -1))}/
        </button>
      </td>
    </tr>
  );
}
