/**
 * Single objects: HEAD (properties and existence), with the 403-versus-404 and 400 answers S3 gives
 * a caller that may list only under prefixes named for what they are.
 */
import { HeadObjectCommand, type HeadObjectCommandOutput, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { NotFoundError, UpstreamError } from '../../../shared/domain/errors';
import { SHA256_BASE64 } from '../../../shared/domain/limits';
import { httpStatusOf, isNotFound, RejectedCredentialsError } from '../errors';
import type { IdentitySession } from '../identity';
import type { StorageContext } from './client';
import type { ObjectProperties, Storage } from './types';

/**
 * A HEAD's error, named where S3 could not name it. S3 answers 400 to a HEAD of a validated key in
 * our bucket only for the request's credentials (an expired or invalid session token, which other
 * requests get as `ExpiredToken`/`InvalidToken`): so the request refreshes them once, as for those,
 * instead of failing as an unexpected error.
 */
function headError(error: unknown): unknown {
  const status = httpStatusOf(error);
  return status === 400
    ? new RejectedCredentialsError('storage answered 400 to a HEAD', { cause: error })
    : error;
}

function toProperties(output: HeadObjectCommandOutput): ObjectProperties {
  if (output.ContentLength === undefined || output.ETag === undefined || output.LastModified === undefined) {
    throw new UpstreamError('storage returned incomplete object metadata');
  }
  const properties = {
    size: output.ContentLength,
    contentType: output.ContentType ?? 'application/octet-stream',
    etag: output.ETag,
    lastModified: output.LastModified,
  };
  const sha256 = output.ChecksumSHA256;
  return sha256 !== undefined && SHA256_BASE64.test(sha256) ? { ...properties, sha256 } : properties;
}

/**
 * S3 answers a missing key with 403, not 404, unless the caller may list the whole bucket, and
 * the role may list only under prefixes. A listing of the key as prefix tells the two apart.
 */
export async function isListed(
  { bucket, clientFor }: StorageContext,
  session: IdentitySession,
  key: string,
): Promise<boolean> {
  const output = await clientFor(session).send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }),
  );
  // The exact key sorts first among the keys it prefixes.
  return output.Contents?.[0]?.Key === key;
}

export function createObjectOperations(context: StorageContext): Pick<Storage, 'head' | 'exists'> {
  const { bucket, clientFor, accepted } = context;

  return {
    async head(session, key) {
      let output: HeadObjectCommandOutput;
      try {
        output = await clientFor(session).send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
        );
      } catch (error) {
        if (httpStatusOf(error) === 403 && !(await isListed(context, session, key)))
          throw new NotFoundError('no such object');
        throw headError(error);
      }
      accepted(session);
      return toProperties(output);
    },

    async exists(session, key) {
      try {
        await clientFor(session).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        accepted(session);
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        // 403: missing (not listed), or there but refused, as malware scanning refuses a HEAD of a
        // file not scanned clean yet. Listed, it is taken either way.
        if (httpStatusOf(error) === 403) return isListed(context, session, key);
        throw headError(error);
      }
    },
  };
}
