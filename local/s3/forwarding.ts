/**
 * What moto gets, rebuilt from the parsed request rather than passed through: headers from an
 * allow-list of parsed values, the parsed S3 parameters as its query, a rebuilt XML body's own
 * headers; and, on the way back, the stored content type and signed `response-*` overrides applied.
 */

import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { SignedRequest } from '../core/signed-request';
import type { VerifiedSignature } from '../core/sigv4-checks';
import { copySourceHeader } from './copy';
import { S3Error } from './errors';
import type { ResolvedOperation } from './operations';
import { taggingHeader } from './tagging';
import { UPSTREAM_AUTHORIZATION } from './upstream';

/** Standard request headers S3 acts on and moto gets (their parsed, single value); nothing else. */
const FORWARDED_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'range',
] as const;
/** `x-amz-*` parameters that carry authentication or body framing: never forwarded. */
const NOT_FORWARDED = new Set([
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
  'x-amz-date',
  // Rebuilt from the parsed source and tags that were authorized.
  'x-amz-copy-source',
  'x-amz-tagging',
]);
/**
 * Where the content type of an object is kept when it is a form type: moto parses such bodies as
 * forms (altering the stored bytes and reading parameters from them), so it gets a neutral type
 * and this metadata, which the gateway turns back into Content-Type on reads and never shows.
 */
const STORED_CONTENT_TYPE = 'x-amz-meta-local-gateway-content-type';
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
/** The signed `response-*` parameters of a read, and the header each overrides. */
export const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
  'response-content-language': 'content-language',
  'response-content-type': 'content-type',
  'response-expires': 'expires',
};

/** `type/subtype`, lowercase, without parameters. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** A header's one parsed value; a header given twice could be read either way, so it is refused. */
function single(signed: SignedRequest, name: string): string | undefined {
  const values = signed.headers[name];
  if (values && values.length > 1) {
    throw new S3Error(400, 'InvalidArgument', `Header ${name} must be given once.`, { ArgumentName: name });
  }
  return values?.[0];
}

/**
 * The headers moto gets, built from an allow-list of the request's parsed values: standard headers
 * S3 acts on (each given once), the verified `x-amz-*` parameters, the authorized copy source, and
 * the object's content type where it is stored. Everything else stays here.
 */
export function forwardHeaders(
  signed: SignedRequest,
  verified: VerifiedSignature,
  operation: ResolvedOperation,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name of FORWARDED_HEADERS) {
    const value = single(signed, name);
    if (value !== undefined) headers[name] = value;
  }
  const contentType = single(signed, 'content-type');
  const contentMd5 = single(signed, 'content-md5');
  // moto (auth off) checks no signature, but treats a request without Authorization as anonymous
  // and applies object ACLs to it (403 on reads). The request was verified here: say who we are.
  headers.authorization = UPSTREAM_AUTHORIZATION;
  for (const [name, value] of verified.amzParameters) {
    if (name === STORED_CONTENT_TYPE) {
      throw new S3Error(400, 'InvalidArgument', `${name} is reserved by the local S3 gateway.`, {
        ArgumentName: name,
      });
    }
    if (!NOT_FORWARDED.has(name)) headers[name] = value;
  }
  if (operation.copySource) headers['x-amz-copy-source'] = copySourceHeader(operation.copySource);
  // A copy that keeps its source's tags gets none: S3 ignores `x-amz-tagging` then.
  if (operation.requestTags) headers['x-amz-tagging'] = taggingHeader(operation.requestTags);
  if (verified.contentSha256 !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(verified.contentSha256)) {
    withoutChunkedEncoding(headers);
  }
  setContentType(headers, operation, contentType);
  if ((operation.name === 'PutObject' || operation.name === 'UploadPart') && contentMd5 !== undefined) {
    headers['content-md5'] = contentMd5;
  }
  // Only to tell whether the client sent one (S3 requires it); xmlHeaders replaces it.
  if (operation.name === 'DeleteObjects' && contentMd5 !== undefined) headers['content-md5'] = contentMd5;
  return headers;
}

/** aws-chunked framing is removed here; moto gets the object bytes. */
function withoutChunkedEncoding(headers: OutgoingHttpHeaders): void {
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((encoding) => encoding.trim())
    .filter((encoding) => encoding !== '' && encoding !== 'aws-chunked');
  if (encodings.length > 0) headers['content-encoding'] = encodings.join(', ');
  else delete headers['content-encoding'];
}

/** The content type of what is created; a form type is stored aside (see STORED_CONTENT_TYPE). */
function setContentType(
  headers: OutgoingHttpHeaders,
  operation: ResolvedOperation,
  contentType: string | undefined,
): void {
  switch (operation.name) {
    case 'PutObject':
    case 'CopyObject':
    case 'CreateMultipartUpload':
      if (contentType !== undefined) {
        if (FORM_TYPES.has(mediaType(contentType))) {
          headers['content-type'] = 'application/octet-stream';
          headers[STORED_CONTENT_TYPE] = contentType;
        } else {
          headers['content-type'] = contentType;
        }
      }
      break;
    case 'UploadPart':
      // A part has no content type of its own; a form type would make moto parse the bytes.
      headers['content-type'] = 'application/octet-stream';
      break;
  }
}

/**
 * S3 stores an object's checksum whenever an `x-amz-checksum-{algorithm}` value comes with it; moto
 * only when `x-amz-sdk-checksum-algorithm` names the algorithm too. Name it, so a checksum the
 * uploader sent (and the gateway verified) is returned by HeadObject/GetObject as S3 would.
 */
export function nameChecksumAlgorithm(headers: OutgoingHttpHeaders): void {
  if (headers['x-amz-sdk-checksum-algorithm'] !== undefined) return;
  const algorithms = Object.keys(headers)
    .filter((name) => /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.test(name))
    .map((name) => name.slice('x-amz-checksum-'.length).toUpperCase());
  if (algorithms.length === 1) headers['x-amz-sdk-checksum-algorithm'] = algorithms[0];
}

/**
 * Headers for a rebuilt XML body: its own type and MD5. DeleteObjects' checksums describe the
 * client's bytes, not the rebuilt ones, and are dropped; CompleteMultipartUpload's describe the
 * whole object and stay.
 */
export function xmlHeaders(
  headers: OutgoingHttpHeaders,
  xml: string,
  bodyChecksums: boolean,
): OutgoingHttpHeaders {
  const rebuilt: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const describesBody =
      name === 'content-md5' ||
      (bodyChecksums && (name === 'x-amz-sdk-checksum-algorithm' || name.startsWith('x-amz-checksum-')));
    if (!describesBody) rebuilt[name] = value;
  }
  rebuilt['content-type'] = 'application/xml';
  rebuilt['content-md5'] = createHash('md5').update(xml, 'utf8').digest('base64');
  return rebuilt;
}

/**
 * The query moto gets: the parsed S3 parameters the operation was resolved and authorized from
 * (no signature, no `x-amz-*`, no response overrides, which the gateway applies), re-encoded.
 */
export function forwardQuery(parameters: ReadonlyMap<string, string>): string {
  const encoded: string[] = [];
  for (const [name, value] of parameters) {
    if (Object.hasOwn(RESPONSE_OVERRIDES, name)) continue;
    encoded.push(
      value === '' ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
    );
  }
  return encoded.length === 0 ? '' : `?${encoded.join('&')}`;
}

/**
 * A successful read's headers as S3 sends them: the stored content type (see STORED_CONTENT_TYPE)
 * restored, then the signed `response-*` overrides applied.
 */
export function applyResponseOverrides(
  headers: OutgoingHttpHeaders,
  parameters: ReadonlyMap<string, string>,
): void {
  const stored = headers[STORED_CONTENT_TYPE];
  if (stored !== undefined) {
    // Node's types allow only a string here; moto sends this header once, as text.
    headers['content-type'] = Array.isArray(stored) ? stored.join(', ') : String(stored);
    delete headers[STORED_CONTENT_TYPE];
  }
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = parameters.get(parameter);
    if (value !== undefined) headers[header] = value;
  }
}
