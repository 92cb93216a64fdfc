/**
 * CopyObject and UploadPartCopy's source: `x-amz-copy-source` parsed strictly, the checks a copy
 * needs (read the source, write the target; copy the source's tags too, unless they are replaced),
 * the source header moto gets rebuilt from what was authorized, and CopyObject's preconditions,
 * which moto ignores.
 */
import { type AuthorizationCheck, type ObjectRef, objectRef, type Principal } from './authorize';
import type { Exchange, GatewayContext } from './context';
import { preconditionFailed, S3Error } from './errors';
import type { S3Operation } from './operations';
import { decodePathSegment, encodeKey, objectArn } from './paths';
import type { TagSet } from './tagging';
import { writeChecks } from './write-checks';

/** The object (or version) a copy reads. */
export type CopySource = ObjectRef;

/** `x-amz-copy-source`: `[/]{bucket}/{url-encoded key}[?versionId=...]`, nothing else. */
export function parseCopySource(value: string): CopySource {
  const invalid = () =>
    new S3Error(
      400,
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    );
  const question = value.indexOf('?');
  const rawSource = question === -1 ? value : value.slice(0, question);
  const rawQuery = question === -1 ? undefined : value.slice(question + 1);
  const source = decodePathSegment(rawSource.startsWith('/') ? rawSource.slice(1) : rawSource);
  const slash = source.indexOf('/');
  if (slash <= 0 || slash === source.length - 1) throw invalid();
  let versionId: string | undefined;
  if (rawQuery !== undefined) {
    if (!/^versionId=[^&=?]+$/.test(rawQuery)) throw invalid();
    versionId = decodePathSegment(rawQuery.slice('versionId='.length));
  }
  return objectRef(source.slice(0, slash), source.slice(slash + 1), versionId || undefined);
}

/** The `x-amz-copy-source` moto gets: the authorized source, re-encoded unambiguously. */
export function copySourceHeader(source: CopySource): string {
  const path = `${encodeURIComponent(source.bucket)}/${encodeKey(source.key)}`;
  return source.versionId === undefined ? path : `${path}?versionId=${encodeURIComponent(source.versionId)}`;
}

/** Reading the source (or that version of it), judged with its tags, then writing the target as any write does. */
export function copyChecks(
  bucket: string,
  key: string,
  amz: ReadonlyMap<string, string>,
  source: CopySource,
  tags: TagSet | undefined,
): AuthorizationCheck[] {
  return [
    {
      action: source.versionId ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(source.bucket, source.key),
      context: {},
      existingObject: source,
    },
    ...writeChecks(bucket, key, amz, tags),
  ];
}

/**
 * A CopyObject that copies its source's tags (the `COPY` directive) needs, as in S3, to read them
 * (`s3:GetObjectTagging` on the source) and to set them (`s3:PutObjectTagging` on the target),
 * when the source has any. None otherwise.
 */
export async function copiedTagChecks(
  principal: Principal,
  operation: S3Operation,
): Promise<AuthorizationCheck[]> {
  const source = operation.copySource;
  if (operation.name !== 'CopyObject' || source === undefined || operation.requestTags !== undefined)
    return [];
  if (principal.objectTags === undefined || (await principal.objectTags(source)).size === 0) return [];
  return [
    {
      action: source.versionId ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging',
      resource: objectArn(source.bucket, source.key),
      context: {},
      existingObject: source,
    },
    {
      action: 's3:PutObjectTagging',
      resource: objectArn(operation.bucket, operation.key ?? ''),
      context: {},
    },
  ];
}

/**
 * CopyObject's `If-None-Match: *` (no object at the target) and `x-amz-copy-source-if-match`
 * (the source still has that ETag), answered as S3 does with 412 PreconditionFailed. Checked just
 * before forwarding, so not atomic as S3's check is: it shows conditional copies, not races.
 */
async function copyPreconditions(ctx: GatewayContext, exchange: Exchange): Promise<void> {
  const { operation } = exchange;
  const { headers } = exchange.target;
  const source = operation.copySource;
  const sourceMatch = headers['x-amz-copy-source-if-match'];
  if (source !== undefined && typeof sourceMatch === 'string') {
    const head = await ctx.moto.head(source.bucket, source.key);
    const unquote = (etag: string) => etag.replaceAll('"', '');
    if (head.status === 200 && unquote(head.etag ?? '') !== unquote(sourceMatch)) {
      throw preconditionFailed('x-amz-copy-source-If-Match');
    }
  }
  if (headers['if-none-match'] === '*' && operation.key !== undefined) {
    if ((await ctx.moto.head(operation.bucket, operation.key)).status === 200)
      throw preconditionFailed('If-None-Match');
  }
}

export async function copyObject(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  // moto ignores a copy's preconditions on the target and on the source; S3 honours both.
  await copyPreconditions(ctx, exchange);
  return ctx.moto.forward(exchange, exchange.target);
}
