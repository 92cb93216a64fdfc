/** Deletes: one key, or a batch of at most `MAX_DELETE_KEYS` keys in one DeleteObjects. */
import { DeleteObjectCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { ForbiddenError, UpstreamError } from '../../../shared/domain/errors';
import type { StorageContext } from './client';
import type { Storage } from './types';

/** The most keys one DeleteObjects takes. */
export const MAX_DELETE_KEYS = 1000;

export function createDeletion(context: StorageContext): Pick<Storage, 'delete' | 'deleteMany'> {
  const { bucket, clientFor, accepted } = context;
  return {
    async delete(session, key) {
      await clientFor(session).send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      accepted(session);
    },

    async deleteMany(session, keys) {
      if (keys.length === 0) return;
      if (keys.length > MAX_DELETE_KEYS) throw new RangeError(`at most ${MAX_DELETE_KEYS} keys at once`);
      const output = await clientFor(session).send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Quiet: true, Objects: keys.map((Key) => ({ Key })) },
        }),
      );
      accepted(session);
      const errors = output.Errors ?? [];
      if (errors.length === 0) return;
      // The keys are the caller's own: a refusal is IAM's answer, anything else storage's failure.
      if (errors.some((error) => error.Code === 'AccessDenied')) {
        throw new ForbiddenError('storage refused to delete some of your objects');
      }
      throw new UpstreamError(`storage failed to delete ${errors.length} of ${keys.length} objects`);
    },
  };
}
