import { useMemo, useState } from 'preact/hooks';
import { createFilesClient, type FilesClient } from '../../shared/api/client';
import { type FileItem, unwrap } from './api';
import type { ConsoleConfig } from './config';
import { SelectField } from './fields';
import { baseName, DateTime, formatBytes } from './format';
import { Listing } from './listing';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { inlineUrl, looksLikeImage } from './public-links';
import { useCursorPages } from './use-newest';

const PAGE_SIZES = [10, 25, 50, 100];
const COLUMNS = ['Preview', 'Name', 'Size', 'Last modified'];

/** One page of the owner's whole public folder (no delimiter: files in sub-folders too, by full key). */
async function listPublicFolder(api: FilesClient, owner: string, limit: number, cursor: string | undefined) {
  const query = { limit, ...(cursor === undefined ? {} : { cursor }) };
  return unwrap(await api.GET('/public/{owner}', { params: { path: { owner }, query } }));
}

/**
 * `/public/{owner}`: one owner's public files for anyone, no sign-in (`GET /public/{owner}`, the
 * guest route). Images are previewed and every file opened or saved through its permanent link,
 * the `publicUrl` the API listed; an owner ID the API refuses shows its problem, an unknown one
 * an empty folder.
 */
export function PublicPage({ config, owner }: { config: ConsoleConfig; owner: string }) {
  // The guest routes need no token, and this page has none to send.
  const api = useMemo(
    () => createFilesClient({ baseUrl: config.apiUrl, getIdToken: () => undefined }),
    [config],
  );
  const [pageSize, setPageSize] = useState(25);
  const listing = useCursorPages(
    (cursor) => listPublicFolder(api, owner, pageSize, cursor),
    [api, owner, pageSize],
  );
  const { value: page, loading, problem, pager } = listing;
  const resize = (size: number) => {
    setPageSize(size);
    pager.setCursors([]);
  };

  return (
    <>
      <header class="top">
        <h1>User Files</h1>
        <a href="/">Sign in to the console</a>
      </header>
      <main>
        <section aria-labelledby="public-heading" class="panel public-folder">
          <h2 id="public-heading">Public files</h2>
          <p class="hint">
            The public folder of <code data-testid="public-owner">{owner}</code>. Anyone may open these links,
            without signing in, for as long as the files exist.
          </p>
          <ProblemView problem={problem} label="Public folder error" />
          <Listing
            columns={COLUMNS}
            busy={loading}
            label="Public files"
            empty={page?.items.length === 0 ? 'No public files here.' : undefined}
          >
            {page?.items.map((item) => (
              <PublicRow key={item.key} item={item} />
            ))}
          </Listing>
          <Pager {...pager} labels={{ previous: 'Previous page', next: 'Next page' }}>
            <SelectField
              label="Per page"
              name="page-size"
              value={pageSize}
              options={PAGE_SIZES}
              onChange={resize}
            />
          </Pager>
        </section>
      </main>
    </>
  );
}

/** One public file: its preview, what it is, and links to open it in a tab or save it. */
function PublicRow({ item }: { item: FileItem }) {
  const { publicUrl } = item;
  return (
    <tr data-key={item.key}>
      <td class="preview">
        <Preview item={item} />
      </td>
      <td>{item.key}</td>
      <td>{formatBytes(item.size)}</td>
      <td>
        <DateTime value={item.lastModified} />
      </td>
      <td class="actions">
        {publicUrl !== undefined && (
          <>
            {/* Passive types render in the tab; others are saved, as the API decides. */}
            <a href={inlineUrl(publicUrl)} target="_blank" rel="noopener noreferrer">
              Open<span class="visually-hidden"> {item.key}</span>
            </a>
            <a href={publicUrl} rel="noopener noreferrer">
              Download<span class="visually-hidden"> {item.key}</span>
            </a>
          </>
        )}
      </td>
    </tr>
  );
}

/** An image file shown through its permanent link; anything else, or an image that fails, says so. */
function Preview({ item }: { item: FileItem }) {
  const [failed, setFailed] = useState(false);
  if (item.publicUrl === undefined || !looksLikeImage(item.key) || failed) {
    return <span class="hint">No preview</span>;
  }
  return (
    <img
      src={inlineUrl(item.publicUrl)}
      alt={`Preview of ${baseName(item.key)}`}
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}
