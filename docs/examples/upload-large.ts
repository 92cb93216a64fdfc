/**
 * The large-upload example of docs/uploads.md, kept compiling by `npm test` (tsconfig includes docs/examples).
 * Node: a file of any size, 4 parts at a time, resumable by the next run of this script.
 */
import { createFilesClient } from '../../shared/api/client';
import { UploadError, upload } from '../../shared/api/upload';
import { fileSource, fileStore } from '../../shared/api/upload-node';

export async function uploadVideo(apiUrl: string, idToken: string, path: string): Promise<void> {
  const files = createFilesClient({ baseUrl: apiUrl, getIdToken: () => idToken });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort()); // Ctrl-C stops cleanly; run again to resume
  try {
    const result = await upload({
      client: files,
      level: 'private',
      key: 'videos/holiday.mp4',
      contentType: 'video/mp4',
      body: await fileSource(path), // read one part at a time; a Blob/File or Uint8Array also works
      store: fileStore('.uploads'), // browsers: localStorageStore()
      overwrite: false,
      signal: controller.signal,
      onProgress: ({ sentBytes, totalBytes }) =>
        console.log(`${Math.floor((100 * sentBytes) / totalBytes)} %`),
    });
    console.log(`stored ${result.size} bytes (${result.resumedParts} parts were already there)`);
  } catch (error) {
    if (error instanceof UploadError && error.status === 409) console.log('that key already exists');
    else throw error;
  }
}
