import type { FilesClient } from '../../shared/api/client';
import { type AnyLevel, ProblemError, problemOf, type ShownProblem, unwrap } from './api';
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

/** A download malware scanning holds (409), in the owner's words; any other problem as the API said it. */
function heldProblem(problem: ShownProblem, name: string): ShownProblem {
  if (problem.code === 'scan_pending') {
    const wait = problem.retryAfter ?? 2;
    return {
      ...problem,
      title: 'Still being scanned',
      detail: `${name} is still being scanned for malware: try again in ${wait} s.`,
    };
  }
  if (problem.code === 'scan_blocked')
    return { ...problem, title: `Blocked: ${problem.scan ?? 'by the scan'}` };
  return problem;
}

/**
 * Asks for a presigned GET and lets the browser save it. It is signed `Content-Disposition:
 * attachment`, so the page stays; the URL is a bearer credential, so it is never shown or kept.
 */
export async function download(api: FilesClient, ref: DownloadRef): Promise<void> {
  const name = baseName(ref.key);
  const answer = await api.POST('/files/downloads', {
    body: { level: ref.level, key: ref.key, filename: name, ...whose(ref) },
  });
  if (!answer.response.ok) {
    throw new ProblemError(heldProblem(problemOf(answer.error, answer.response), name));
  }
  const presigned = unwrap(answer);
  const link = document.createElement('a');
  link.href = presigned.url;
  link.rel = 'noopener noreferrer';
  document.body.append(link);
  link.click();
  link.remove();
}
