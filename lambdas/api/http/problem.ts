/**
 * The one place where failures become HTTP: every error a request meets is turned into an AppError
 * (domain errors as they are, zod issues as a ValidationError with every issue, AWS failures by
 * `fromAwsError`, anything else as a 500 without internals) and rendered as an RFC 9457 problem.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import {
  AppError,
  type FieldIssue,
  InputError,
  InternalError,
  MethodNotAllowedError,
  PROBLEM_TYPE_PREFIX,
  type ProblemCode,
  QuotaExceededError,
  ScanError,
  ScanPendingError,
  ThrottledError,
  ValidationError,
} from '../../../shared/domain/errors';
import { fromAwsError } from '../../aws/errors';
import { COMMON_HEADERS } from './response';

/**
 * Every zod issue as a field issue. Unknown fields are named one by one; an issue about the input
 * as a whole (not an object, say) is charged to `rootField`.
 */
export function fromZodError(error: z.ZodError, rootField: string): ValidationError {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // Nested unknown fields keep their path (`from.colour`), so the name is unambiguous.
      const path = issue.path.map(String);
      for (const key of issue.keys)
        issues.push({ field: [...path, key].join('.'), message: 'is not a known field' });
      continue;
    }
    const field = issue.path.length === 0 ? rootField : issue.path.map(String).join('.');
    issues.push({ field, message: issue.message });
  }
  const [first, ...rest] = issues;
  return new ValidationError(
    first === undefined ? [{ field: rootField, message: 'is invalid' }] : [first, ...rest],
  );
}

/** The AppError that `error` stands for. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return fromZodError(error, 'body');
  return fromAwsError(error) ?? new InternalError('An unexpected error occurred.');
}

export type ProblemBody = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  field?: string;
  errors?: FieldIssue[];
  usage?: QuotaExceededError['usage'];
  limit?: QuotaExceededError['limit'];
  scan?: ScanError['scan'];
  /** `scan_pending`: the `Retry-After` seconds, in the body too (a batch item has no headers). */
  retryAfter?: number;
  requestId?: string;
};

/** The problem document of `error`; also used for each failed item of a batch answer. */
export function problemBody(error: AppError, requestId: string | undefined): ProblemBody {
  const body: ProblemBody = {
    type: `${PROBLEM_TYPE_PREFIX}${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
  };
  if (error instanceof InputError) {
    body.field = error.field;
    body.errors = error.issues.map((issue) => ({ field: issue.field, message: issue.message }));
  }
  if (error instanceof QuotaExceededError) {
    body.usage = { ...error.usage };
    body.limit = { ...error.limit };
  }
  if (error instanceof ScanError) body.scan = error.scan;
  if (error instanceof ScanPendingError) body.retryAfter = error.retryAfterSeconds;
  if (requestId !== undefined) body.requestId = requestId;
  return body;
}

export function problemResponse(error: AppError, requestId: string | undefined): APIGatewayProxyResult {
  const headers: Record<string, string> = {
    'Content-Type': 'application/problem+json',
    ...COMMON_HEADERS,
  };
  if (error instanceof ThrottledError || error instanceof ScanPendingError)
    headers['Retry-After'] = String(error.retryAfterSeconds);
  if (error instanceof MethodNotAllowedError) headers.Allow = error.allow.join(', ');
  return { statusCode: error.status, headers, body: JSON.stringify(problemBody(error, requestId)) };
}
