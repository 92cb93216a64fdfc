import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { toShownProblem, unwrap } from './api';
import { CopyDialog } from './copy-dialog';
import { download } from './download';
import { baseName, formatBytes, IdentityId } from './format';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { useCursorPages } from './use-newest';

const PAGE_SIZE = 25;

/**
 * `GET /files/shared-with-me`: what others share with the caller. The list comes from an index kept
 * from storage events, so a new share or a revoke shows after a moment: hence Refresh.
 */
export function SharedWithMe({ api }: { api: FilesClient }) {
  const [status, setStatus] = useState('');
  const [reloads, setReloads] = useState(0);
  const [copying, setCopying] = useState<{ owner: string; key: string }>();

  const {
    value: page,
    loading,
    problem,
    setProblem,
    pager,
  } = useCursorPages(
    async (cursor) =>
      unwrap(
        await api.GET('/files/shared-with-me', {
          params: { query: { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) } },
        }),
      ),
    [api, reloads],
  );

  const save = async (owner: string, key: string) => {
    setProblem(undefined);
    try {
      await download(api, { level: 'shared', owner, key });
      setStatus(`Downloading ${baseName(key)}`);
    } catch (error) {
      setProblem(toShownProblem(error));
    }
  };

  return (
    <section aria-labelledby="shared-with-me-heading" class="panel shared-with-me">
      <h2 id="shared-with-me-heading">Shared with me</h2>
      <p class="hint">Files other users shared with you. New shares and revokes show after a moment.</p>
      <button type="button" onClick={() => setReloads((count) => count + 1)}>
        Refresh shared with me
      </button>
      <ProblemView problem={problem} label="Shared with me error" />
      <p role="status" class="status">
        {status}
      </p>
      <table class="listing" aria-busy={loading} aria-label="Files shared with me">
        <thead>
          <tr>
            <th scope="col">Owner</th>
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
            <tr key={`${item.owner}/${item.key}`} data-key={item.key}>
              <td>
                <IdentityId id={item.owner} />
              </td>
              <td>{item.key}</td>
              <td>{formatBytes(item.size)}</td>
              <td>
                <time dateTime={item.sharedAt}>{new Date(item.sharedAt).toLocaleString()}</time>
              </td>
              <td class="actions">
                <button type="button" onClick={() => void save(item.owner, item.key)}>
                  Download <span class="visually-hidden">{item.key}</span>
                </button>
                <button type="button" onClick={() => setCopying({ owner: item.owner, key: item.key })}>
                  Copy… <span class="visually-hidden">{item.key}</span>
                </button>
              </td>
            </tr>
          ))}
          {page && page.items.length === 0 && (
            <tr>
              <td colSpan={5} class="empty">
                Nothing is shared with you.
              </td>
            </tr>
          )}
        </tbody>
      </table>
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
