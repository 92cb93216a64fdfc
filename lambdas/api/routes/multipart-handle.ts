/**
 * What every multipart route does with an `upload` handle before touching storage: decode it, then
 * re-apply the rules a new upload would meet (the key into the CALLER's own folder, the level's
 * size and type rules) and recompute the part plan from the size. Nothing in a handle is trusted;
 * see `shared/domain/multipart.ts` for why the handle is not signed.
 */
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { InputError, ValidationError } from '../../../shared/domain/errors';
import type { CallerGroups } from '../../../shared/domain/groups';
import { type Folder, keyIn, writeFolder } from '../../../shared/domain/keys';
import {
  decodeHandle,
  MAX_HANDLE_LENGTH,
  type PartPlan,
  planParts,
  type UploadHandle,
} from '../../../shared/domain/multipart';
import { checkUpload, type UploadRules } from '../../../shared/domain/upload-rules';
import { folderFields } from './where';

export const uploadField = z.string({ error: 'must be a string' }).max(MAX_HANDLE_LENGTH);

export interface ResolvedUpload {
  readonly handle: UploadHandle;
  readonly plan: PartPlan;
  /** The caller's own folder, or a group's they are a member of. */
  readonly folder: Folder;
  /** Full S3 key in the caller's folder. */
  readonly fullKey: string;
}

export function resolveUpload(
  text: string,
  caller: { readonly identityId: string; readonly groups: CallerGroups },
  rules: UploadRules | undefined,
): ResolvedUpload {
  const handle = decodeHandle(text);
  // A handle's key is re-validated and placed in the caller's folder (or a group of theirs, checked
  // again now), whatever folder it came from.
  const folder = writeFolder(handle.level, caller.identityId, handle.group, caller.groups);
  const fullKey = keyIn(folder, handle.key, 'upload');
  // Abort passes no rules: abandoning an upload writes nothing, and must work after a rule change.
  if (rules !== undefined) {
    try {
      checkUpload(rules, handle.level, handle.contentType, handle.size);
    } catch (error) {
      // The handle is the input here: a handle outside the rules was edited, or the rules changed.
      if (!(error instanceof InputError)) throw error;
      throw ValidationError.of('upload', `is outside the level's upload rules (${error.message})`);
    }
  }
  return { handle, plan: planParts(handle.size), folder, fullKey };
}

type MultipartUpload = components['schemas']['MultipartUpload'];

export function describeUpload(
  upload: string,
  resolved: ResolvedUpload,
  expiresAt: Date | undefined,
): MultipartUpload {
  const { handle, plan } = resolved;
  return {
    upload,
    level: handle.level,
    ...folderFields(resolved.folder),
    key: handle.key,
    size: plan.size,
    contentType: handle.contentType,
    partSize: plan.partSize,
    partCount: plan.partCount,
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() }),
  };
}
