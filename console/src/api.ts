/**
 * The console's only way to the API: the generated typed client (`shared/api/client.ts`), with
 * every failure turned into one shape, the RFC 9457 problem the API answered (or one written here
 * when there was no answer), so the UI shows every error the same way.
 */
import { createFilesClient, type FilesClient } from '../../shared/api/client';
import type { components } from '../../shared/api/schema';
import type { Session } from './auth';

export type Level = components['schemas']['Level'];
export type AnyLevel = components['schemas']['AnyLevel'];
export type Me = components['schemas']['Me'];
export type FileList = components['schemas']['FileList'];
export type FileItem = components['schemas']['FileItem'];
export type SharedItem = components['schemas']['SharedItem'];
export type SharedWithMe = components['schemas']['SharedWithMe'];
export type Share = components['schemas']['Share'];
export type MyShare = components['schemas']['MyShare'];
export type MyGroup = components['schemas']['MyGroup'];
export type ScanStatus = components['schemas']['ScanStatus'];

/** A level keyed by identity: every level but `groups`, whose folders are keyed by group name. */
export type OwnLevel = Exclude<Level, 'groups'>;
/** The levels of a user's own folders. */
export const LEVELS: readonly OwnLevel[] = ['private', 'protected', 'public'];
/** The levels browsed by owner: `shared` holds the caller's own shares, by grantee. Groups have their panel. */
export const ALL_LEVELS: readonly Exclude<AnyLevel, 'groups'>[] = [...LEVELS, 'shared'];

/** What the UI shows of any failure: the problem's `title` and `detail`. */
export interface ShownProblem {
  readonly title: string;
  readonly detail?: string;
  readonly status?: number;
  readonly field?: string;
  /** The problem's stable `code`, when the API sent one. */
  readonly code?: string;
  /** `scan_pending`, `scan_blocked`: the file's malware-scan status. */
  readonly scan?: ScanStatus;
  /** `scan_pending`: seconds to wait before asking again. */
  readonly retryAfter?: number;
}

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(readonly problem: ShownProblem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }
}

export function createApi(apiUrl: string, session: Session): FilesClient {
  return createFilesClient({ baseUrl: apiUrl, getIdToken: () => session.idToken() });
}

function isProblem(body: unknown): body is components['schemas']['Problem'] {
  return typeof body === 'object' && body !== null && typeof (body as { title?: unknown }).title === 'string';
}

/** The problem a failed response carries, or one naming its status when the body is not a problem. */
export function problemOf(error: unknown, response: Response): ShownProblem {
  if (isProblem(error)) {
    return {
      title: error.title,
      status: error.status,
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.field ? { field: error.field } : {}),
      ...(error.code ? { code: error.code } : {}),
      ...(error.scan ? { scan: error.scan } : {}),
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    };
  }
  return {
    title: `HTTP ${response.status}`,
    status: response.status,
    detail: response.statusText || undefined,
  };
}

/** The data of a successful call; a ProblemError otherwise. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw new ProblemError(problemOf(result.error, result.response));
}

/** For calls without a body (204). */
export function expectOk(result: { error?: unknown; response: Response }): void {
  if (!result.response.ok) throw new ProblemError(problemOf(result.error, result.response));
}

/**
 * The same client, remembering the last problem the API answered, for callers (the upload helper)
 * that report failures in their own shape: the page still shows the API's title and detail.
 */
export function recordingProblems(api: FilesClient): {
  client: FilesClient;
  last(): ShownProblem | undefined;
} {
  let last: ShownProblem | undefined;
  const record = <R extends { error?: unknown; response: Response }>(result: R): R => {
    if (!result.response.ok) last = problemOf(result.error, result.response);
    return result;
  };
  // The helper only POSTs. openapi-fetch's methods are generic per path, hence the one cast.
  const post = api.POST as (...args: unknown[]) => Promise<{ error?: unknown; response: Response }>;
  const client: FilesClient = {
    ...api,
    POST: ((...args: unknown[]) => post(...args).then(record)) as FilesClient['POST'],
  };
  return { client, last: () => last };
}

/** Any thrown value as a problem to show: network failures and sign-in refusals included. */
export function toShownProblem(error: unknown): ShownProblem {
  if (error instanceof ProblemError) return error.problem;
  if (error instanceof TypeError) {
    return {
      title: 'Network error',
      detail: 'The request did not reach the server. Is the local stack running?',
    };
  }
  if (error instanceof Error)
    return { title: error.name === 'SignInError' ? 'Sign-in refused' : 'Error', detail: error.message };
  return { title: 'Error', detail: String(error) };
}
