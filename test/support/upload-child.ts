/**
 * A separate process that uploads one file with the client helper and a file store: the multipart
 * e2e test and the resume bench kill one half-way and resume in another (`upload-process.ts`
 * starts it and reads its lines). Prints `sending <bytes>` as each request body leaves (counted
 * then, so bytes lost with a killed process count too), `progress <bytes>` as parts land, and
 * `result <json>` last. The job arrives in UPLOAD_CHILD (JSON), never in argv (it holds a token).
 */
import { createFilesClient } from '../../shared/api/client';
import { upload } from '../../shared/api/upload';
import { fileSource, fileStore } from '../../shared/api/upload-node';
import { UPLOAD_CHILD_ENV, type UploadJob } from './upload-process';

const job = JSON.parse(process.env[UPLOAD_CHILD_ENV] ?? '{}') as UploadJob;
let sent = 0;
const counting: typeof fetch = (input, init) => {
  sent += init?.body instanceof Uint8Array ? init.body.length : 0;
  process.stdout.write(`sending ${sent}\n`);
  return fetch(input, init);
};
const result = await upload({
  client: createFilesClient({ baseUrl: job.apiUrl, getIdToken: () => job.idToken }),
  level: 'private',
  key: job.key,
  contentType: 'application/octet-stream',
  body: await fileSource(job.path),
  store: fileStore(job.storeDir),
  concurrency: job.concurrency,
  fetch: counting,
  onProgress: ({ sentBytes }) => process.stdout.write(`progress ${sentBytes}\n`),
});
process.stdout.write(`result ${JSON.stringify({ ...result, sentBytes: sent })}\n`);
