import type { FilesClient } from '../../shared/api/client';
import { expectOk, type MyShare, unwrap } from './api';
import { baseName, DateTime, formatBytes, Person } from './format';
import { Listing } from './listing';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { RowButton } from './row-button';
import { StatusLine, useStatusLine } from './status-line';
import { useCursorPages } from './use-newest';

const PAGE_SIZE = 25;
const COLUMNS = ['With', 'Name', 'Size', 'Shared'];

async function listMyShares(api: FilesClient, cursor: string | undefined) {
  const query = { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) };
  return unwrap(await api.GET('/files/shares', { params: { query } }));
}

/**
 * `GET /files/shares`: every share the caller made, all grantees at once, read from storage (so it is
 * current at once); Revoke deletes the shared copy. Any change made in the console (`changes`) reloads it.
 */
export function SharedByMe({
  api,
  changes,
  onChanged,
}: {
  api: FilesClient;
  changes: number;
  onChanged: () => void;
}) {
  const {
    value: page,
    loading,
    problem,
    setProblem,
    pager,
  } = useCursorPages((cursor) => listMyShares(api, cursor), [api, changes]);
  const { status, act } = useStatusLine(setProblem);
  const revoke = async (grantee: string, key: string) => {
    const revoked = await act(async () => {
      expectOk(await api.DELETE('/files', { params: { query: { level: 'shared', key, grantee } } }));
      return `Revoked ${baseName(key)}`;
    });
    if (revoked) onChanged();
  };

  return (
    <section aria-labelledby="shared-by-me-heading" class="panel shared-by-me">
      <h2 id="shared-by-me-heading">Shared by me</h2>
      <ProblemView problem={problem} label="Shared by me error" />
      <StatusLine status={status} />
      <Listing
        columns={COLUMNS}
        busy={loading}
        label="Files I share"
        empty={page?.items.length === 0 ? 'You share nothing.' : undefined}
      >
        {page?.items.map((item) => (
          <SharedByMeRow
            key={`${item.grantee}/${item.key}`}
            item={item}
            onRevoke={() => void revoke(item.grantee, item.key)}
          />
        ))}
      </Listing>
      <Pager {...pager} labels={{ previous: 'Previous', next: 'More' }} />
    </section>
  );
}

function SharedByMeRow({ item, onRevoke }: { item: MyShare; onRevoke: () => void }) {
  return (
    <tr data-key={item.key}>
      <td>
        <Person name={item.granteeName} id={item.grantee} />
      </td>
      <td>{item.key}</td>
      <td>{formatBytes(item.size)}</td>
      <td>
        <DateTime value={item.lastModified} />
      </td>
      <td class="actions">
        <RowButton label="Revoke" target={item.key} onClick={onRevoke} />
      </td>
    </tr>
  );
}
