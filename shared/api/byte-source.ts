/**
 * Byte sources for `upload()`: what it reads the body from (a Blob/File, a Uint8Array, or any
 * `ByteSource`, such as `fileSource` in `upload-node.ts`), and the SHA-256 every body and part is sent with.
 */

/** Something to read byte ranges from: a Blob/File, a Uint8Array, or a file (`fileSource`). */
export interface ByteSource {
  readonly size: number;
  /** Bytes `[start, end)`. */
  read(start: number, end: number): Promise<Uint8Array>;
  /**
   * Identifies this content for resuming (a file's size and modification time, say): a changed
   * source starts a new upload instead of resuming an old one.
   */
  readonly fingerprint?: string;
}

export function sourceOf(body: Blob | Uint8Array | ByteSource): ByteSource {
  if (body instanceof Uint8Array) {
    return { size: body.length, read: async (start, end) => body.subarray(start, end) };
  }
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    const file = body as Blob & { name?: unknown; lastModified?: unknown };
    const fingerprint =
      typeof file.name === 'string' && typeof file.lastModified === 'number'
        ? `${file.name}:${file.lastModified}`
        : undefined;
    return {
      size: body.size,
      read: async (start, end) => new Uint8Array(await body.slice(start, end).arrayBuffer()),
      ...(fingerprint === undefined ? {} : { fingerprint }),
    };
  }
  return body as ByteSource;
}

export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
