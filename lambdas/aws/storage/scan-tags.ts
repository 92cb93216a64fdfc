/**
 * An object's malware-scan status, read from its scan tag with the caller's session: one
 * GetObjectTagging, which every role may call wherever it may read the object, so the answer is
 * storage's own (the tag the bucket policy serves by) and the read also proves the caller may read.
 */
import { GetObjectTaggingCommand, type GetObjectTaggingCommandOutput } from '@aws-sdk/client-s3';
import { NotFoundError } from '../../../shared/domain/errors';
import { SCAN_TAG, scanStatusOf } from '../../../shared/domain/scan';
import { httpStatusOf, isNotFound } from '../errors';
import type { StorageContext } from './client';
import { isListed } from './objects';
import type { Storage } from './types';

export function createScanTagReader(context: StorageContext): Pick<Storage, 'scanStatus'> {
  const { bucket, clientFor, accepted } = context;
  return {
    async scanStatus(session, key) {
      let output: GetObjectTaggingCommandOutput;
      try {
        output = await clientFor(session).send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        if (isNotFound(error)) throw new NotFoundError('no such object');
        // As for a HEAD: a missing key is 403 to a role that may not list the whole bucket.
        if (httpStatusOf(error) === 403 && !(await isListed(context, session, key)))
          throw new NotFoundError('no such object');
        throw error;
      }
      accepted(session);
      return scanStatusOf(output.TagSet?.find((tag) => tag.Key === SCAN_TAG)?.Value);
    },
  };
}
