import type { ComponentChildren } from 'preact';

/**
 * A table of listed things: one header per column, then an unlabelled column of row actions. When
 * `empty` is given (the page came back with nothing), it stands in for the rows.
 */
export function Listing({
  columns,
  busy,
  label,
  caption,
  empty,
  children,
}: {
  columns: readonly string[];
  busy: boolean;
  label?: string;
  caption?: ComponentChildren;
  empty?: string;
  children: ComponentChildren;
}) {
  return (
    <table class="listing" aria-busy={busy} aria-label={label}>
      {caption !== undefined && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {children}
        {empty !== undefined && (
          <tr>
            <td colSpan={columns.length + 1} class="empty">
              {empty}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
