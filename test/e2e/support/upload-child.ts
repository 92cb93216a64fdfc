/**
 * A separate process that uploads one file with the client helper and a file store, reporting
 * progress on stdout (`progress <bytes>`) and the result last (`result <json>`). The multipart
 * e2e test kills one half-way and resumes in another. Settings arrive in UPLOAD_CHILD (JSON).
 */
import { createFilesClient } from '../../../shared/api/client';
import { upload } from '../../../shared/api/upload';
import { fileSource, fileStore } from '../../../shared/api/upload-node';

interface Settings {
  apiUrl: string;
  idToken: string;
  path: string;
  storeDir: string;
  key: string;
  concurrency: number;
}

const settings = JSON.parse(process.env.UPLOAD_CHILD ?? '{}') as Settings;
const client = createFilesClient({ baseUrl: settings.apiUrl, getIdToken: () => settings.idToken });
let sent = 0;
const counting: typeof fetch = async (input, init) => {
  // Counted as the request leaves, so bytes lost with a killed process are counted too.
  const bytes = init?.body instanceof Uint8Array ? init.body.length : 0;
  sent += bytes;
  process.stdout.write(`sending ${sent}\n`);
  return fetch(input, init);
};
const result = await upload({
  client,
  level: 'private',
  key: settings.key,
  contentType: 'application/octet-stream',
  body: await fileSource(settings.path),
  store: fileStore(settings.storeDir),
  concurrency: settings.concurrency,
  fetch: counting,
  onProgress: ({ sentBytes }) => process.stdout.write(`progress ${sentBytes}\n`),
});
process.stdout.write(`result ${JSON.stringify({ ...result, sentBytes: sent })}\n`);
