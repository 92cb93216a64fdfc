import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { type SharedItem, unwrap } from './api';
import { CopyDialog } from './copy-dialog';
import { download } from './download';
import { baseName, DateTime, formatBytes, Person } from './format';
import { Listing } from './listing';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { RowButton } from './row-button';
import { StatusLine, useStatusLine } from './status-line';
import { useCursorPages } from './use-newest';

const PAGE_SIZE = 25;
const COLUMNS = ['Owner', 'Name', 'Size', 'Shared'];

async function listSharedWithMe(api: FilesClient, cursor: string | undefined) {
  const query = { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) };
  return unwrap(await api.GET('/files/shared-with-me', { params: { query } }));
}

/**
 * `GET /files/shared-with-me`: what others share with the caller. The list comes from an index kept
 * from storage events, so a new share or a revoke shows after a moment: hence Refresh.
 */
export function SharedWithMe({ api }: { api: FilesClient }) {
  const [reloads, setReloads] = useState(0);
  const [copying, setCopying] = useState<{ owner: string; key: string }>();
  const {
    value: page,
    loading,
    problem,
    setProblem,
    pager,
  } = useCursorPages((cursor) => listSharedWithMe(api, cursor), [api, reloads]);
  const { status, act } = useStatusLine(setProblem);
  const save = (owner: string, key: string) =>
    act(async () => {
      await download(api, { level: 'shared', owner, key });
      return `Downloading ${baseName(key)}`;
    });

  return (
    <section aria-labelledby="shared-with-me-heading" class="panel shared-with-me">
      <h2 id="shared-with-me-heading">Shared with me</h2>
      <p class="hint">Files other users shared with you. New shares and revokes show after a moment.</p>
      <button type="button" onClick={() => setReloads((count) => count + 1)}>
        Refresh shared with me
      </button>
      <ProblemView problem={problem} label="Shared with me error" />
      <StatusLine status={status} />
      <Listing
        columns={COLUMNS}
        busy={loading}
        label="Files shared with me"
        empty={page?.items.length === 0 ? 'Nothing is shared with you.' : undefined}
      >
        {page?.items.map((item) => (
          <SharedWithMeRow
            key={`${item.owner}/${item.key}`}
            item={item}
            onDownload={() => void save(item.owner, item.key)}
            onCopy={() => setCopying({ owner: item.owner, key: item.key })}
          />
        ))}
      </Listing>
      <Pager {...pager} labels={{ previous: 'Previous shares', next: 'More shares' }} />
      {copying && (
        <CopyDialog
          api={api}
          from={{ level: 'shared', owner: copying.owner, key: copying.key }}
          canMove={false}
          onCopied={() => undefined}
          onClose={() => setCopying(undefined)}
        />
      )}
    </section>
  );
}

function SharedWithMeRow({
  item,
  onDownload,
  onCopy,
}: {
  item: SharedItem;
  onDownload: () => void;
  onCopy: () => void;
}) {
  return (
    <tr data-key={item.key}>
      <td>
        <Person name={item.ownerName} id={item.owner} />
      </td>
      <td>{item.key}</td>
      <td>{formatBytes(item.size)}</td>
      <td>
        <DateTime value={item.sharedAt} />
      </td>
      <td class="actions">
        <RowButton label="Download" target={item.key} onClick={onDownload} />
        <RowButton label="Copy…" target={item.key} onClick={onCopy} />
      </td>
    </tr>
  );
}
