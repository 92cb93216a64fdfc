/**
 * One upload through the client helper in its own process, for the resume figure: prints
 * `sending <bytes>` as each request body leaves (so a killed run's lost parts are counted),
 * `progress <bytes>` as parts land, and a JSON result on the last line. The job (API URL, ID
 * token, file, store) arrives in BENCH_UPLOAD, never in argv.
 */
import { createFilesClient } from '../shared/api/client';
import { upload } from '../shared/api/upload';
import { fileSource, fileStore } from '../shared/api/upload-node';

interface Job {
  apiUrl: string;
  idToken: string;
  path: string;
  storeDir: string;
  key: string;
  concurrency: number;
}

const job = JSON.parse(process.env.BENCH_UPLOAD ?? '{}') as Job;
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
process.stdout.write(`${JSON.stringify({ resumedParts: result.resumedParts, sent })}\n`);
