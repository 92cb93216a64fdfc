/** Minimal leading bytes of each format the content check must recognize, as real files begin. */
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(
    Buffer.concat(
      parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
    ),
  );

const ftyp = (brand: string) =>
  bytes([0, 0, 0, 0x18], 'ftyp', brand, [0, 0, 0, 0], brand, 'mp41', [0, 0, 0, 8], 'free');

function zip(): Uint8Array {
  const name = Buffer.from('hello.txt');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(5, 18);
  header.writeUInt32LE(5, 22);
  header.writeUInt16LE(name.length, 26);
  return new Uint8Array(Buffer.concat([header, name, Buffer.from('hello')]));
}

export const SAMPLES = {
  'image/png': bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13], 'IHDR', [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]),
  'image/jpeg': bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF\0', [1, 1, 0, 0, 1, 0, 1, 0, 0]),
  'image/gif': bytes('GIF89a', [1, 0, 1, 0, 0x80, 0, 0]),
  'image/webp': bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ', [0x18, 0, 0, 0]),
  'image/heic': ftyp('heic'),
  'application/pdf': bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n'),
  'video/mp4': ftyp('isom'),
  'video/quicktime': ftyp('qt  '),
  'application/zip': zip(),
  'text/html': bytes('<!doctype html><html><body><script>alert(1)</script></body></html>'),
  'text/plain': bytes('hello, world\n'),
} as const;
