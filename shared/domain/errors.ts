/**
 * The one error hierarchy of the API. Every failure a handler can meet is one of these; the HTTP
 * adapter maps them to RFC 9457 problem responses in one place (`lambdas/api/http/problem.ts`).
 */

import type { ScanStatus } from './scan';

/** A problem's `type` is this prefix and its `code`. */
export const PROBLEM_TYPE_PREFIX = 'urn:user-files-api:problem:';

/** Stable machine-readable codes, as listed in `openapi.yaml` (`Problem.code`). */
export type ProblemCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  /** `POST /files/shares`: nobody in the user pool has that username. */
  | 'no_such_user'
  /** `POST /files/shares` in direct mode: the user has never signed in, so has no identity yet. */
  | 'user_not_ready'
  | 'payload_too_large'
  | 'quota_exceeded'
  /** A `groups` request naming a group the caller is not in (whether or not it exists). */
  | 'not_a_member'
  /** A `groups` request naming a group of the caller's past the session's tag slots. */
  | 'group_limit'
  /** Malware scanning holds the object until its scan ends: retry after `Retry-After`. */
  | 'scan_pending'
  /** Malware scanning holds the object for good (infected, failed, or unscannable and blocked). */
  | 'scan_blocked'
  | 'throttled'
  /** The per-user request limit in front of the API (WAF when deployed, the local API adapter). */
  | 'rate_limited'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'internal_error';

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: ProblemCode;
  abstract readonly title: string;
}

/** Input refused before anything was signed or changed; `field` names the first input at fault. */
export abstract class InputError extends AppError {
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly [FieldIssue, ...FieldIssue[]]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.issues = issues;
  }

  get field(): string {
    // The constructor's tuple type guarantees at least one issue.
    return (this.issues[0] as FieldIssue).field;
  }
}

/** Bad input. `field` names the first offending input; nothing was signed or changed. */
export class ValidationError extends InputError {
  readonly status = 400;
  readonly code = 'invalid_request';
  readonly title = 'Invalid request';
  override name = 'ValidationError';

  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

/** A declared size over the level's limit: nothing was signed. */
export class PayloadTooLargeError extends InputError {
  readonly status = 413;
  readonly code = 'payload_too_large';
  readonly title = 'Payload too large';
  override name = 'PayloadTooLargeError';

  static of(field: string, message: string): PayloadTooLargeError {
    return new PayloadTooLargeError([{ field, message }]);
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
  readonly title = 'Unauthorized';
  override name = 'UnauthorizedError';
}

/** Storage (IAM) refused the caller's own credentials. */
export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
  readonly title = 'Forbidden';
  override name = 'ForbiddenError';
}

/** An upload that would take the caller past their quota: nothing was signed. */
export class QuotaExceededError extends AppError {
  readonly status = 403;
  readonly code = 'quota_exceeded';
  readonly title = 'Quota exceeded';
  override name = 'QuotaExceededError';

  constructor(
    message: string,
    readonly usage: { bytes: number; objects: number; reservedBytes: number; reservedObjects: number },
    readonly limit: { bytes?: number; objects?: number },
  ) {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
  readonly title = 'Not found';
  override name = 'NotFoundError';
}

/** The path exists but not with this method. */
export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
  readonly title = 'Method not allowed';
  override name = 'MethodNotAllowedError';

  constructor(
    message: string,
    readonly allow: readonly string[],
  ) {
    super(message);
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
  readonly title = 'Conflict';
  override name = 'ConflictError';
}

/** Why storage will not serve an object: its scan status, as the API reports it (`ScanStatus`). */
export abstract class ScanError extends AppError {
  readonly status = 409;

  constructor(
    message: string,
    readonly scan: ScanStatus,
  ) {
    super(message);
  }
}

/** The object is not scanned yet: storage serves it once it is clean. */
export class ScanPendingError extends ScanError {
  readonly code = 'scan_pending';
  readonly title = 'Scan pending';
  override name = 'ScanPendingError';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 'pending');
  }
}

/** The scan's result keeps the object from everyone but the scanner (infected, failed, unscannable). */
export class ScanBlockedError extends ScanError {
  readonly code = 'scan_blocked';
  readonly title = 'Blocked by the malware scan';
  override name = 'ScanBlockedError';
}

/** The caller is not in the group they name: the same answer whether the group exists or not. */
export class NotAGroupMemberError extends AppError {
  readonly status = 403;
  readonly code = 'not_a_member';
  readonly title = 'Not a member of this group';
  override name = 'NotAGroupMemberError';
}

/** The caller is in the group, but their session cannot carry it (past the slots, or an unservable name). */
export class GroupLimitError extends AppError {
  readonly status = 403;
  readonly code = 'group_limit';
  readonly title = 'Group not reachable in this session';
  override name = 'GroupLimitError';
}

/** The user a share names is not in the user pool. */
export class NoSuchUserError extends AppError {
  readonly status = 404;
  readonly code = 'no_such_user';
  readonly title = 'No such user';
  override name = 'NoSuchUserError';
}

/** The user a share names has no identity yet (direct mode: they have never signed in). */
export class UserNotReadyError extends AppError {
  readonly status = 409;
  readonly code = 'user_not_ready';
  readonly title = 'User not ready';
  override name = 'UserNotReadyError';
}

/** An upstream service throttled us past our retries; the caller should retry later. */
export class ThrottledError extends AppError {
  readonly status = 503;
  readonly code = 'throttled';
  readonly title = 'Service busy';
  override name = 'ThrottledError';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** An upstream service failed (5xx, unreachable) past our retries. */
export class UpstreamError extends AppError {
  readonly status = 502;
  readonly code = 'upstream_error';
  readonly title = 'Upstream service failed';
  override name = 'UpstreamError';
}

/** An upstream service did not answer in time. */
export class UpstreamTimeoutError extends AppError {
  readonly status = 504;
  readonly code = 'upstream_timeout';
  readonly title = 'Upstream service timed out';
  override name = 'UpstreamTimeoutError';
}

/** Anything unexpected: answered without internals, logged in full. */
export class InternalError extends AppError {
  readonly status = 500;
  readonly code = 'internal_error';
  readonly title = 'Internal error';
  override name = 'InternalError';
}
