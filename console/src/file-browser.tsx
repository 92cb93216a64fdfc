import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import {
  ALL_LEVELS,
  type AnyLevel,
  expectOk,
  type FileItem,
  type Me,
  type Share,
  toShownProblem,
  unwrap,
} from './api';
import { CopyDialog } from './copy-dialog';
import { type DownloadRef, download as save } from './download';
import { baseName, formatBytes } from './format';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { ShareDialog } from './share-dialog';
import { UploadPanel } from './upload-panel';
import { useNewest } from './use-newest';

/**
 * One folder of one owner: `owner` undefined means the caller's own. In `shared`, the caller's own
 * shares are listed by `grantee` (whom they are shared with), a share with the caller by `owner`.
 */
interface Place {
  readonly level: AnyLevel;
  readonly owner?: string;
  readonly grantee?: string;
  readonly prefix: string;
}

/** A dialog open on one file. */
type Acting = { readonly action: 'share' | 'copy'; readonly item: FileItem };

const PAGE_SIZES = [10, 25, 50, 100];

export function FileBrowser({ api, me, onChanged }: { api: FilesClient; me: Me; onChanged: () => void }) {
  const [place, setPlace] = useState<Place>({ level: 'private', prefix: '' });
  const [levelInput, setLevelInput] = useState<AnyLevel>('private');
  const [ownerInput, setOwnerInput] = useState('');
  const [granteeInput, setGranteeInput] = useState('');
  const [acting, setActing] = useState<Acting>();
  const [pageSize, setPageSize] = useState(25);
  // The cursors of the pages after the first one; the last is the page shown.
  const [cursors, setCursors] = useState<readonly string[]>([]);
  const [status, setStatus] = useState('');
  const [confirming, setConfirming] = useState<string>();
  const [reloads, setReloads] = useState(0);

  const own = place.owner === undefined || place.owner === me.identityId;
  const reload = () => {
    setReloads((count) => count + 1);
    onChanged();
  };
  const cursor = cursors[cursors.length - 1];

  const {
    value: page,
    loading,
    problem,
    setProblem,
  } = useNewest(
    async () =>
      unwrap(
        await api.GET('/files', {
          params: {
            query: {
              level: place.level,
              prefix: place.prefix,
              delimiter: '/',
              limit: pageSize,
              ...(place.owner === undefined ? {} : { owner: place.owner }),
              ...(place.grantee === undefined ? {} : { grantee: place.grantee }),
              ...(cursor === undefined ? {} : { cursor }),
            },
          },
        }),
      ),
    [api, place, pageSize, cursor, reloads],
  );

  const go = (next: Place) => {
    setPlace(next);
    setCursors([]);
    setConfirming(undefined);
    setStatus('');
  };

  /** How the API addresses a file of this folder. */
  const refOf = (item: FileItem): DownloadRef => ({
    level: place.level,
    key: item.key,
    ...(place.owner === undefined ? {} : { owner: place.owner }),
    ...(place.grantee === undefined ? {} : { grantee: place.grantee }),
  });

  const download = async (item: FileItem) => {
    setProblem(undefined);
    try {
      await save(api, refOf(item));
      setStatus(`Downloading ${baseName(item.key)}`);
    } catch (error) {
      setProblem(toShownProblem(error));
    }
  };

  const remove = async (item: FileItem) => {
    setConfirming(undefined);
    setProblem(undefined);
    try {
      const grantee = place.grantee === undefined ? {} : { grantee: place.grantee };
      expectOk(
        await api.DELETE('/files', { params: { query: { level: place.level, key: item.key, ...grantee } } }),
      );
      setStatus(`${place.level === 'shared' ? 'Revoked' : 'Deleted'} ${baseName(item.key)}`);
      reload();
    } catch (error) {
      setProblem(toShownProblem(error));
    }
  };

  const segments = place.prefix.split('/').filter(Boolean);
  const ownerLabel =
    place.grantee !== undefined
      ? `your shares with ${place.grantee}`
      : own
        ? 'your folder'
        : `${place.owner}'s folder`;
  const deleteLabel = place.level === 'shared' ? 'Revoke' : 'Delete';
  // Uploads into `shared` are refused: sharing creates those objects.
  const writable = own && place.level !== 'shared';

  return (
    <section aria-labelledby="files-heading" class="panel files">
      <h2 id="files-heading">Files</h2>
      <form
        class="open-folder"
        onSubmit={(event) => {
          event.preventDefault();
          const owner = ownerInput.trim();
          const grantee = granteeInput.trim();
          go({
            level: levelInput,
            prefix: '',
            ...(levelInput !== 'private' && owner ? { owner } : {}),
            ...(levelInput === 'shared' && grantee ? { grantee } : {}),
          });
        }}
      >
        <label>
          Level
          <select
            name="level"
            value={levelInput}
            onChange={(event) => setLevelInput(event.currentTarget.value as AnyLevel)}
          >
            {ALL_LEVELS.map((level) => (
              <option key={level} value={level}>
                {level}
              </option>
            ))}
          </select>
        </label>
        <label>
          Owner identity ID <span class="hint">(not private; empty for your own)</span>
          <input
            name="owner"
            value={ownerInput}
            disabled={levelInput === 'private'}
            placeholder={me.identityId}
            spellcheck={false}
            onInput={(event) => setOwnerInput(event.currentTarget.value)}
          />
        </label>
        <label>
          Grantee identity ID <span class="hint">(shared: your shares with this user)</span>
          <input
            name="grantee"
            value={granteeInput}
            disabled={levelInput !== 'shared'}
            spellcheck={false}
            onInput={(event) => setGranteeInput(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Open folder</button>
      </form>

      <nav aria-label="Folder path" class="breadcrumbs">
        <ol>
          <li>
            <button type="button" onClick={() => go({ ...place, prefix: '' })}>
              {place.level} ({ownerLabel})
            </button>
          </li>
          {segments.map((segment, index) => (
            <li key={segments.slice(0, index + 1).join('/')}>
              <button
                type="button"
                aria-current={index === segments.length - 1 ? 'location' : undefined}
                onClick={() => go({ ...place, prefix: `${segments.slice(0, index + 1).join('/')}/` })}
              >
                {segment}
              </button>
            </li>
          ))}
        </ol>
      </nav>

      {writable && (
        <UploadPanel
          // A fresh panel per folder: no earlier folder's transfers or errors linger.
          key={`${place.level}/${place.prefix}`}
          api={api}
          identityId={me.identityId}
          level={place.level}
          prefix={place.prefix}
          onUploaded={reload}
        />
      )}

      <ProblemView problem={problem} label="Files error" />
      <p role="status" class="status">
        {status}
      </p>

      <table class="listing" aria-busy={loading}>
        <caption>
          {place.level}/{place.prefix} {loading ? '(loading…)' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Size</th>
            <th scope="col">Last modified</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {page?.folders.map((folder) => (
            <tr key={folder} class="folder">
              <td colSpan={4}>
                <button type="button" class="link" onClick={() => go({ ...place, prefix: folder })}>
                  <span aria-hidden="true">📁 </span>
                  {baseName(folder.slice(0, -1))}/
                </button>
              </td>
            </tr>
          ))}
          {page?.items.map((item) => (
            <tr key={item.key} data-key={item.key}>
              <td>{baseName(item.key)}</td>
              <td>{formatBytes(item.size)}</td>
              <td>
                <time dateTime={item.lastModified}>{new Date(item.lastModified).toLocaleString()}</time>
              </td>
              <td class="actions">
                <button type="button" onClick={() => void download(item)}>
                  Download <span class="visually-hidden">{baseName(item.key)}</span>
                </button>
                {writable && (
                  <button type="button" onClick={() => setActing({ action: 'share', item })}>
                    Share… <span class="visually-hidden">{baseName(item.key)}</span>
                  </button>
                )}
                <button type="button" onClick={() => setActing({ action: 'copy', item })}>
                  Copy… <span class="visually-hidden">{baseName(item.key)}</span>
                </button>
                {own &&
                  (confirming === item.key ? (
                    <>
                      <button type="button" class="danger" onClick={() => void remove(item)}>
                        Confirm {deleteLabel.toLowerCase()}{' '}
                        <span class="visually-hidden">{baseName(item.key)}</span>
                      </button>
                      <button type="button" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <button type="button" onClick={() => setConfirming(item.key)}>
                      {deleteLabel} <span class="visually-hidden">{baseName(item.key)}</span>
                    </button>
                  ))}
              </td>
            </tr>
          ))}
          {page && page.items.length === 0 && page.folders.length === 0 && (
            <tr>
              <td colSpan={4} class="empty">
                This folder is empty.
              </td>
            </tr>
          )}
        </tbody>
      </table>

      <Pager
        cursors={cursors}
        setCursors={setCursors}
        nextCursor={page?.nextCursor}
        labels={{ previous: 'Previous page', next: 'Next page' }}
      >
        <label>
          Per page
          <select
            name="page-size"
            value={pageSize}
            onChange={(event) => {
              setPageSize(Number(event.currentTarget.value));
              setCursors([]);
            }}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </Pager>

      {acting?.action === 'share' && place.level !== 'shared' && (
        <ShareDialog
          api={api}
          level={place.level}
          fileKey={acting.item.key}
          onShared={(share: Share) => {
            setGranteeInput(share.grantee);
            onChanged();
          }}
          onClose={() => setActing(undefined)}
        />
      )}
      {acting?.action === 'copy' && (
        <CopyDialog
          api={api}
          from={refOf(acting.item)}
          canMove={own}
          onCopied={reload}
          onClose={() => setActing(undefined)}
        />
      )}
    </section>
  );
}
