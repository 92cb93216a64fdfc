import type { FilesClient } from '../../shared/api/client';
import { type AnyLevel, unwrap } from './api';
import { baseName } from './format';

export interface DownloadRef {
  readonly level: AnyLevel;
  readonly key: string;
  readonly owner?: string;
  readonly grantee?: string;
  /** In level `groups`: the group whose folder it is. */
  readonly group?: string;
}

interface Whose {
  owner?: string;
  grantee?: string;
  group?: string;
}

/** Whose file the API means: the optional `owner`, `grantee` and `group` of a query or a body. */
export function whose(ref: Readonly<Whose>): Whose {
  return {
    ...(ref.owner === undefined ? {} : { owner: ref.owner }),
    ...(ref.grantee === undefined ? {} : { grantee: ref.grantee }),
    ...(ref.group === undefined ? {} : { group: ref.group }),
  };
}

/**
 * Asks for a presigned GET and lets the browser save it. It is signed `Content-Disposition:
 * attachment`, so the page stays; the URL is a bearer credential, so it is never shown or kept.
 */
export async function download(api: FilesClient, ref: DownloadRef): Promise<void> {
  const presigned = unwrap(
    await api.POST('/files/downloads', {
      body: {
        level: ref.level,
        key: ref.key,
        filename: baseName(ref.key),
        ...whose(ref),
      },
    }),
  );
  const link = document.createElement('a');
  link.href = presigned.url;
  link.rel = 'noopener noreferrer';
  document.body.append(link);
  link.click();
  link.remove();
}
