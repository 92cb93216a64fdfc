import { createFilesClient } from '../../shared/api/client';

/** Uploads `bytes` to the caller's private folder and returns a download URL for it. */
export async function uploadAndShare(
  apiUrl: string,
  getIdToken: () => Promise<string>,
  key: string,
  bytes: Uint8Array,
): Promise<string> {
  const files = createFilesClient({ baseUrl: apiUrl, getIdToken });

  const upload = await files.POST('/files/uploads', {
    body: { level: 'private', key, contentType: 'application/octet-stream', size: bytes.length },
  });
  // Exactly one of data and error is set: a problem document names the field at fault.
  if (!upload.data) throw new Error(`upload refused: ${upload.error?.detail}`);
  const { url, method, headers } = upload.data;
  const put = await fetch(url, { method, headers, body: bytes }); // send exactly these headers
  if (!put.ok) throw new Error(`storage refused the upload: ${put.status}`);

  // With malware scanning on, a new file is held until it is scanned clean: ask again when told.
  for (let attempt = 1; ; attempt++) {
    const download = await files.POST('/files/downloads', { body: { level: 'private', key } });
    if (download.data) return download.data.url;
    if (download.error?.code !== 'scan_pending' || attempt === 30) {
      throw new Error(`download refused: ${download.error?.detail}`);
    }
    const seconds = Number(download.response.headers.get('Retry-After') ?? '2');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}
