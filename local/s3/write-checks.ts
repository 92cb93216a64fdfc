/**
 * What IAM checks when an object is written (PutObject, CopyObject's target, CreateMultipartUpload):
 * s3:PutObject, plus the actions S3 requires for what the write also sets, with the write's
 * condition keys (its tags' among them).
 */
import type { AuthorizationCheck } from './authorize';
import { S3Error } from './errors';
import { objectArn } from './paths';
import { parseTaggingHeader, requestTagContext, type TagSet } from './tagging';

/**
 * The tag set a write sets: `x-amz-tagging` parsed; for a copy only with the `REPLACE` directive
 * (with `COPY`, the default, S3 copies the source's tags and ignores the header). Undefined: the
 * write names no tags.
 */
export function writeTags(amz: ReadonlyMap<string, string>, copy: boolean): TagSet | undefined {
  if (copy) {
    const directive = amz.get('x-amz-tagging-directive') ?? 'COPY';
    if (directive !== 'COPY' && directive !== 'REPLACE') {
      throw new S3Error(400, 'InvalidArgument', 'Unknown tagging directive.', {
        ArgumentName: 'x-amz-tagging-directive',
      });
    }
    if (directive === 'COPY') return undefined;
    return parseTaggingHeader(amz.get('x-amz-tagging') ?? '');
  }
  const header = amz.get('x-amz-tagging');
  return header === undefined ? undefined : parseTaggingHeader(header);
}

/** Extra actions S3 requires when a write also sets ACLs, tags or object-lock settings. */
function writeSideEffects(amz: ReadonlyMap<string, string>, tags: TagSet | undefined): string[] {
  const actions: string[] = [];
  if (amz.has('x-amz-acl') || [...amz.keys()].some((name) => name.startsWith('x-amz-grant-'))) {
    actions.push('s3:PutObjectAcl');
  }
  if (tags !== undefined && (tags.size > 0 || amz.has('x-amz-tagging'))) actions.push('s3:PutObjectTagging');
  if (amz.has('x-amz-object-lock-mode') || amz.has('x-amz-object-lock-retain-until-date')) {
    actions.push('s3:PutObjectRetention');
  }
  if (amz.has('x-amz-object-lock-legal-hold')) actions.push('s3:PutObjectLegalHold');
  return actions;
}

function writeContext(amz: ReadonlyMap<string, string>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const name of [
    'x-amz-acl',
    'x-amz-server-side-encryption',
    'x-amz-server-side-encryption-aws-kms-key-id',
    'x-amz-storage-class',
    'x-amz-metadata-directive',
    'x-amz-copy-source',
  ]) {
    const value = amz.get(name);
    if (value !== undefined) context[`s3:${name}`] = value;
  }
  return context;
}

export function writeChecks(
  bucket: string,
  key: string,
  amz: ReadonlyMap<string, string>,
  tags: TagSet | undefined,
): AuthorizationCheck[] {
  const resource = objectArn(bucket, key);
  const context = { ...writeContext(amz), ...(tags ? requestTagContext(tags) : {}) };
  return ['s3:PutObject', ...writeSideEffects(amz, tags)].map((action) => ({ action, resource, context }));
}
