/**
 * A local front door's request body, read whole up to `limit` bytes. Past it, `tooLarge()` rejects
 * and the rest of the body is drained unread: memory stays bounded, and an answer can still be sent.
 */
import type { IncomingMessage } from 'node:http';

export function readLimitedBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
