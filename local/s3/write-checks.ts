/**
 * What IAM checks when an object is written (PutObject, CopyObject's target, CreateMultipartUpload):
 * s3:PutObject, plus the actions S3 requires for what the write also sets, with the write's
 * condition keys.
 */
import type { AuthorizationCheck } from './authorize';
import { objectArn } from './paths';

/** Extra actions S3 requires when a write also sets ACLs, tags or object-lock settings. */
function writeSideEffects(amz: ReadonlyMap<string, string>): string[] {
  const actions: string[] = [];
  if (amz.has('x-amz-acl') || [...amz.keys()].some((name) => name.startsWith('x-amz-grant-'))) {
    actions.push('s3:PutObjectAcl');
  }
  if (amz.has('x-amz-tagging')) actions.push('s3:PutObjectTagging');
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
): AuthorizationCheck[] {
  const resource = objectArn(bucket, key);
  const context = writeContext(amz);
  return ['s3:PutObject', ...writeSideEffects(amz)].map((action) => ({ action, resource, context }));
}
