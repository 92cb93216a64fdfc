/**
 * Input errors of a nested part of a request, named as the client sent them: a rule that names
 * `key` or `size` on its own is reported as `from.key` or `from.size` when it judged `from`.
 */
import { type FieldIssue, PayloadTooLargeError, ValidationError } from '../../../shared/domain/errors';

function prefix(issues: readonly FieldIssue[], path: string): [FieldIssue, ...FieldIssue[]] {
  const [first, ...rest] = issues.map((issue) => ({
    field: `${path}.${issue.field}`,
    message: issue.message,
  }));
  return [first as FieldIssue, ...rest];
}

/** Runs `work`; a ValidationError or PayloadTooLargeError it throws gets its fields under `path`. */
export async function underField<T>(path: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(prefix(error.issues, path));
    if (error instanceof PayloadTooLargeError) throw new PayloadTooLargeError(prefix(error.issues, path));
    throw error;
  }
}
