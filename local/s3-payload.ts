/**
 * Checks a request body the way S3 does once it has arrived: the SHA-256 the signature covers, the
 * `aws-chunked` framing of `STREAMING-UNSIGNED-PAYLOAD-TRAILER` uploads (decoded here, so moto
 * stores the object bytes), `Content-MD5`, and the flexible checksums (`x-amz-checksum-*`, as
 * headers, hoisted presigned parameters or a trailer). moto checks none of these reliably.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3Error } from './s3-errors';
import { STREAMING_UNSIGNED_PAYLOAD_TRAILER, UNSIGNED_PAYLOAD } from './sigv4-verify';

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const CHECKSUM_PREFIX = 'x-amz-checksum-';
/** The flexible-checksum algorithms the gateway can compute (CRC32C and CRC64NVME pass to moto). */
const DIGESTS: Readonly<Record<string, { label: string; digest: (body: Buffer) => Buffer }>> = {
  crc32: {
    label: 'CRC32',
    digest: (body) => {
      const value = Buffer.alloc(4);
      value.writeUInt32BE(crc32(body));
      return value;
    },
  },
  sha1: { label: 'SHA1', digest: (body) => createHash('sha1').update(body).digest() },
  sha256: { label: 'SHA256', digest: (body) => createHash('sha256').update(body).digest() },
};
const KNOWN_CHECKSUMS = new Set(['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256']);

export interface PayloadInput {
  readonly body: Buffer;
  /** From the verified signature: hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  readonly contentSha256: string;
  /** Request headers, lowercase names, repeated values joined. */
  readonly header: (name: string) => string | undefined;
  /** Verified `x-amz-*` values (headers and hoisted query parameters). */
  readonly amzParameters: ReadonlyMap<string, string>;
  /**
   * Whether `x-amz-checksum-*` describe this body (PutObject, UploadPart, DeleteObjects) rather
   * than the whole object (CompleteMultipartUpload).
   */
  readonly checksumsDescribeBody: boolean;
}

export interface CheckedPayload {
  /** The object bytes (aws-chunked framing removed). */
  readonly body: Buffer;
  /** Whether the body was aws-chunked: the framing headers must not reach moto. */
  readonly decodedFromChunks: boolean;
  /** A checksum that arrived in a trailer, to send to moto as a header: `[name, value]`. */
  readonly trailerChecksum?: readonly [string, string];
}

const incompleteBody = () =>
  new S3Error(
    400,
    'IncompleteBody',
    'You did not provide the number of bytes specified by the Content-Length HTTP header',
  );
const malformedTrailer = () =>
  new S3Error(
    400,
    'MalformedTrailerError',
    'The request contained trailing data that was not well-formed or did not conform to our published schema.',
  );

/** Decodes an `aws-chunked` body without chunk signatures: `{hex size}\r\n{data}\r\n ... 0\r\n{trailers}\r\n`. */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Map<string, string> } {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset, 'latin1');
    if (lineEnd === -1) throw incompleteBody();
    const sizeText = body.toString('latin1', offset, lineEnd).split(';')[0] ?? '';
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw incompleteBody();
    const size = Number.parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (
      offset + size + 2 > body.length ||
      body.toString('latin1', offset + size, offset + size + 2) !== '\r\n'
    ) {
      throw incompleteBody();
    }
    chunks.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers = new Map<string, string>();
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset, 'latin1');
    if (lineEnd === -1) {
      // Some clients end the trailer section without the final empty line.
      if (offset === body.length) break;
      throw malformedTrailer();
    }
    const line = body.toString('latin1', offset, lineEnd);
    offset = lineEnd + 2;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedTrailer();
    trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (offset !== body.length) throw malformedTrailer();
  return { data: Buffer.concat(chunks), trailers };
}

function decodeBase64(value: string, length: number): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === length ? bytes : undefined;
}

function verifyChecksum(algorithm: string, value: string, body: Buffer): void {
  const digest = DIGESTS[algorithm];
  if (!digest) return;
  const expected = digest.digest(body);
  const provided = decodeBase64(value, expected.length);
  if (!provided) {
    throw new S3Error(400, 'InvalidRequest', `Value for ${CHECKSUM_PREFIX}${algorithm} header is invalid.`);
  }
  if (!provided.equals(expected)) {
    throw new S3Error(
      400,
      'BadDigest',
      `The ${digest.label} you specified did not match the calculated checksum.`,
    );
  }
}

/** Verifies the body against everything the request claims about it; returns the object bytes. */
export function checkPayload(input: PayloadInput): CheckedPayload {
  const { contentSha256 } = input;
  let body = input.body;
  let decodedFromChunks = false;
  let trailerChecksum: [string, string] | undefined;

  if (HEX_SHA256.test(contentSha256)) {
    const computed = createHash('sha256').update(body).digest('hex');
    if (computed !== contentSha256) {
      throw new S3Error(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: contentSha256, S3ComputedContentSHA256: computed },
      );
    }
  } else if (contentSha256 === STREAMING_UNSIGNED_PAYLOAD_TRAILER) {
    const decodedLength = input.header('x-amz-decoded-content-length');
    if (decodedLength === undefined || !/^\d+$/.test(decodedLength)) {
      throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    }
    const decoded = decodeAwsChunked(body);
    if (decoded.data.length !== Number(decodedLength)) throw incompleteBody();
    const declared = (input.header('x-amz-trailer') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean);
    const received = [...decoded.trailers.keys()];
    if (declared.length !== received.length || declared.some((name) => !decoded.trailers.has(name))) {
      throw malformedTrailer();
    }
    for (const [name, value] of decoded.trailers) {
      if (!name.startsWith(CHECKSUM_PREFIX) || !KNOWN_CHECKSUMS.has(name.slice(CHECKSUM_PREFIX.length))) {
        throw malformedTrailer();
      }
      verifyChecksum(name.slice(CHECKSUM_PREFIX.length), value, decoded.data);
      trailerChecksum = [name, value];
    }
    body = decoded.data;
    decodedFromChunks = true;
  } else if (contentSha256 !== UNSIGNED_PAYLOAD) {
    // Signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD...) would each need verifying; no client
    // the project uses sends them over plain HTTP, so they are refused rather than trusted.
    throw new S3Error(
      501,
      'NotImplemented',
      `The local S3 gateway does not accept x-amz-content-sha256 ${contentSha256}; send the payload SHA-256, ` +
        `${UNSIGNED_PAYLOAD} or ${STREAMING_UNSIGNED_PAYLOAD_TRAILER}.`,
    );
  }

  const contentMd5 = input.header('content-md5');
  if (contentMd5 !== undefined) {
    const provided = decodeBase64(contentMd5, 16);
    if (!provided) throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
    if (!provided.equals(createHash('md5').update(body).digest())) {
      throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
  }

  if (input.checksumsDescribeBody) {
    const checksums = [...input.amzParameters].filter(
      ([name]) => name.startsWith(CHECKSUM_PREFIX) && KNOWN_CHECKSUMS.has(name.slice(CHECKSUM_PREFIX.length)),
    );
    if (checksums.length + (trailerChecksum ? 1 : 0) > 1) {
      throw new S3Error(
        400,
        'InvalidRequest',
        'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
      );
    }
    for (const [name, value] of checksums) verifyChecksum(name.slice(CHECKSUM_PREFIX.length), value, body);
  }
  return { body, decodedFromChunks, ...(trailerChecksum ? { trailerChecksum } : {}) };
}
