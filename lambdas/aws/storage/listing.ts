/** Listing: one page of a prefix's objects and, with a delimiter, its sub-folders. */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { StorageContext } from './client';
import type { Storage, StoredObject } from './types';

export function createListing(context: StorageContext): Pick<Storage, 'list'> {
  const { bucket, clientFor, accepted } = context;
  return {
    async list(session, input) {
      const output = await clientFor(session).send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: input.prefix,
          Delimiter: input.delimiter,
          MaxKeys: input.maxKeys,
          ContinuationToken: input.continuationToken,
        }),
      );
      accepted(session);
      const objects: StoredObject[] = [];
      for (const item of output.Contents ?? []) {
        if (item.Key === undefined) continue;
        objects.push({
          key: item.Key,
          size: item.Size ?? 0,
          lastModified: item.LastModified ?? new Date(0),
          etag: item.ETag ?? '',
        });
      }
      const folders = (output.CommonPrefixes ?? []).flatMap((entry) =>
        entry.Prefix === undefined ? [] : [entry.Prefix],
      );
      const nextToken = output.IsTruncated ? output.NextContinuationToken : undefined;
      return nextToken === undefined ? { objects, folders } : { objects, folders, nextToken };
    },
  };
}
