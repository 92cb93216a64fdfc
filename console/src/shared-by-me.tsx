import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { expectOk, toShownProblem, unwrap } from './api';
import { baseName, formatBytes, IdentityId } from './format';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { useCursorPages } from './use-newest';

const PAGE_SIZE = 25;

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
  const [status, setStatus] = useState('');

  const {
    value: page,
    loading,
    problem,
    setProblem,
    pager,
  } = useCursorPages(
    async (cursor) =>
      unwrap(
        await api.GET('/files/shares', {
          params: { query: { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) } },
        }),
      ),
    [api, changes],
  );

  const revoke = async (grantee: string, key: string) => {
    setProblem(undefined);
    try {
      expectOk(await api.DELETE('/files', { params: { query: { level: 'shared', key, grantee } } }));
      setStatus(`Revoked ${baseName(key)}`);
      onChanged();
    } catch (error) {
      setProblem(toShownProblem(error));
    }
  };

  return (
    <section aria-labelledby="shared-by-me-heading" class="panel shared-by-me">
      <h2 id="shared-by-me-heading">Shared by me</h2>
      <ProblemView problem={problem} label="Shared by me error" />
      <p role="status" class="status">
        {status}
      </p>
      <table class="listing" aria-busy={loading} aria-label="Files I share">
        <thead>
          <tr>
            <th scope="col">With</th>
            <th scope="col">Name</th>
            <th scope="col">Size</th>
            <th scope="col">Shared</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {page?.items.map((item) => (
            <tr key={`${item.grantee}/${item.key}`} data-key={item.key}>
              <td>
                <IdentityId id={item.grantee} />
              </td>
              <td>{item.key}</td>
              <td>{formatBytes(item.size)}</td>
              <td>
                <time dateTime={item.lastModified}>{new Date(item.lastModified).toLocaleString()}</time>
              </td>
              <td class="actions">
                <button type="button" onClick={() => void revoke(item.grantee, item.key)}>
                  Revoke <span class="visually-hidden">{item.key}</span>
                </button>
              </td>
            </tr>
          ))}
          {page && page.items.length === 0 && (
            <tr>
              <td colSpan={5} class="empty">
                You share nothing.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <Pager {...pager} labels={{ previous: 'Previous', next: 'More' }} />
    </section>
  );
}
