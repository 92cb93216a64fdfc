/**
 * The storage adapter: every S3 call and every presigned URL is made with the caller's own identity
 * credentials, through one S3 client per identity (see `client.ts`). `createStorage` composes the
 * operation families, one module each; this module is the adapter's whole public surface.
 */
import { createStorageSessions } from './client';
import { createCopier } from './copy';
import { createDeletion } from './deletion';
import { createListing } from './listing';
import { createMultipartOperations } from './multipart';
import { createObjectOperations } from './objects';
import { createPresigner } from './presign';
import { createScanTagReader } from './scan-tags';
import type { Storage, StorageOptions } from './types';

export { S3_TIMEOUTS } from './client';
export { copyPartRanges, MAX_COPY_OBJECT_BYTES } from './copy';
export { MAX_DELETE_KEYS } from './deletion';
export type * from './types';

export function createStorage(options: StorageOptions): Storage {
  const sessions = createStorageSessions(options);
  return {
    checkCredentials: sessions.checkCredentials,
    ...createPresigner(sessions),
    ...createListing(sessions),
    ...createObjectOperations(sessions),
    ...createScanTagReader(sessions),
    ...createDeletion(sessions),
    ...createMultipartOperations(sessions),
    ...createCopier(sessions, options),
  };
}
