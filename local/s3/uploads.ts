/**
 * Binds each multipart upload ID to the bucket and key it was created for, as S3 does. moto acts on
 * an upload ID alone, whatever key the request names, so without this a caller allowed to write
 * their own key could write into, list, complete or abort anyone's upload by its ID.
 */
import { S3Error } from './errors';

export const noSuchUpload = (uploadId: string) =>
  new S3Error(
    404,
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  );

export class UploadRegistry {
  private readonly uploads = new Map<string, { readonly bucket: string; readonly key: string }>();

  /** @param capacity uploads remembered at once; past it the oldest is forgotten (then NoSuchUpload). */
  constructor(private readonly capacity = 10_000) {}

  record(uploadId: string, bucket: string, key: string): void {
    this.uploads.delete(uploadId);
    if (this.uploads.size >= this.capacity) {
      const oldest = this.uploads.keys().next();
      if (!oldest.done) this.uploads.delete(oldest.value);
    }
    this.uploads.set(uploadId, { bucket, key });
  }

  /** Throws NoSuchUpload unless the ID was created for exactly this bucket and key. */
  check(uploadId: string, bucket: string, key: string): void {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload(uploadId);
  }

  forget(uploadId: string): void {
    this.uploads.delete(uploadId);
  }

  get size(): number {
    return this.uploads.size;
  }
}
