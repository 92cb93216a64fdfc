/**
 * Server-side SigV4 verification for the local S3 gateway, for header-signed (`Authorization`) and
 * presigned (`X-Amz-*` query) requests, with S3's error codes and order of checks: malformed input,
 * unknown key, session token, clock skew or URL expiry, credential expiry, unsigned `x-amz-*`
 * headers, then the signature itself.
 *
 * The signature is recomputed with `@smithy/signature-v4` (the signer the SDK uses), by re-signing
 * the request with the client's date and signed headers (`uriEscapePath: false`, as S3 signs the
 * path as sent) and compared in constant time. Payload hashes and checksums are checked later, by
 * `local/s3/payload.ts`, once the body has been read.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { accessDenied, invalidAccessKeyId, S3Error, signatureDoesNotMatch } from '../s3/errors';
import { type CredentialStore, type IssuedCredentials, safeEqual } from './credential-store';
import {
  ALGORITHM,
  authorizationFields,
  type ParsedCredential,
  parseAmzDate,
  parseCredential,
  SIGNED_HEADERS,
  signatureOf,
  signaturesEqual,
} from './sigv4-parts';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
/** S3 refuses a request whose time is more than 15 minutes off its own clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** The longest presigned URL lifetime SigV4 allows: one week. */
const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

/** The query parameters of a presigned request's signature (removed before forwarding). */
export const PRESIGN_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
] as const;
const PRESIGN_PARAMETER_SET: ReadonlySet<string> = new Set(PRESIGN_PARAMETERS);
const CONTENT_SHA256 = 'x-amz-content-sha256';

/** One query parameter, decoded, with its raw form kept for forwarding unchanged. */
export interface QueryParameter {
  readonly name: string;
  readonly value: string;
  readonly raw: string;
}

/** What the verifier needs of an HTTP request; header names lowercase, values as received. */
export interface SignedRequest {
  readonly method: string;
  /** The path exactly as received (still percent-encoded). */
  readonly rawPath: string;
  readonly query: readonly QueryParameter[];
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
}

export interface VerifiedSignature {
  readonly credentials: IssuedCredentials;
  readonly authType: 'REST-HEADER' | 'REST-QUERY-STRING';
  readonly signingDate: Date;
  readonly signedHeaders: readonly string[];
  /** What the signature says of the payload: a hex SHA-256, `UNSIGNED-PAYLOAD` or a `STREAMING-*` mode. */
  readonly contentSha256: string;
  /**
   * The request's `x-amz-*` values (lowercase names): its headers plus, when presigned, those the
   * signer hoisted into the query (`x-amz-checksum-crc32`, ...), which S3 applies like headers.
   */
  readonly amzParameters: ReadonlyMap<string, string>;
  /** Presigned only: the moment the URL stops working. */
  readonly expiresAt?: Date;
}

export interface VerifyOptions {
  readonly store: CredentialStore;
  readonly region: string;
  /** @default Date.now() */
  readonly now?: number;
}

/** Splits a raw query string into decoded parameters (S3 style: `+` is a literal plus). */
export function parseQuery(rawQuery: string): QueryParameter[] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((raw) => {
    const equals = raw.indexOf('=');
    const rawName = equals === -1 ? raw : raw.slice(0, equals);
    const rawValue = equals === -1 ? '' : raw.slice(equals + 1);
    try {
      return { name: decodeURIComponent(rawName), value: decodeURIComponent(rawValue), raw };
    } catch {
      throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
  });
}

/** A header's value as SigV4 canonicalizes repeated headers: joined with commas. */
export function headerValue(request: SignedRequest, name: string): string | undefined {
  const values = request.headers[name];
  return values && values.length > 0 ? values.join(',') : undefined;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const PAYLOAD_MODES = new Set([
  UNSIGNED_PAYLOAD,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);

/** How one authentication style reports a malformed field (header vs query errors differ in S3). */
type Malformed = (message: string) => S3Error;
const headerMalformed: Malformed = (message) =>
  new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`);
const queryMalformed: Malformed = (message) => new S3Error(400, 'AuthorizationQueryParametersError', message);

function checkScope(credential: ParsedCredential, date: Date, region: string, malformed: Malformed): void {
  if (credential.date !== date.toISOString().slice(0, 10).replaceAll('-', '')) {
    throw malformed('Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  if (credential.region !== region) {
    const error = malformed(`the region '${credential.region}' is wrong; expecting '${region}'`);
    throw new S3Error(error.status, error.code, error.message, { Region: region });
  }
  if (credential.service !== 's3') {
    throw malformed(`incorrect service '${credential.service}'. This endpoint belongs to 's3'.`);
  }
  if (credential.terminator !== 'aws4_request') {
    throw malformed(`incorrect terminal '${credential.terminator}'. This endpoint uses 'aws4_request'.`);
  }
}

function lookUp(store: CredentialStore, accessKeyId: string): IssuedCredentials {
  const credentials = store.findCredentials(accessKeyId);
  if (!credentials) throw invalidAccessKeyId();
  return credentials;
}

function checkToken(credentials: IssuedCredentials, token: string | undefined): void {
  // Temporary keys are useless without their session token, as with STS.
  if (token === undefined) throw invalidAccessKeyId();
  if (!safeEqual(token, credentials.sessionToken)) {
    throw new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
}

function checkNotExpired(credentials: IssuedCredentials, now: number): void {
  if (now >= credentials.expiration.getTime()) {
    throw new S3Error(400, 'ExpiredToken', 'The provided token has expired.');
  }
}

function serverTime(now: number): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `x-amz-*` headers the client sent but did not sign: S3 refuses them rather than trust them. */
function checkAllAmzHeadersSigned(request: SignedRequest, signed: ReadonlySet<string>): void {
  const unsigned = Object.keys(request.headers)
    .filter((name) => name.startsWith('x-amz-') && !signed.has(name))
    .sort();
  if (unsigned.length > 0) {
    throw accessDenied('There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

function signerFor(credentials: IssuedCredentials, region: string, withToken: boolean): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(withToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

function toQueryBag(parameters: readonly QueryParameter[]): Record<string, string | string[]> {
  const bag: Record<string, string | string[]> = {};
  for (const { name, value } of parameters) {
    const existing = Object.hasOwn(bag, name) ? bag[name] : undefined;
    if (existing === undefined) bag[name] = value;
    else bag[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return bag;
}

function httpRequest(
  request: SignedRequest,
  query: readonly QueryParameter[],
  headers: Record<string, string>,
): HttpRequest {
  const host = headerValue(request, 'host') ?? '';
  return {
    method: request.method,
    protocol: 'http:',
    hostname: host.replace(/:\d+$/, ''),
    path: request.rawPath,
    query: toQueryBag(query),
    headers,
  };
}

/** The signed headers' values, as the request carries them (absent ones simply missing). */
function signedHeaderValues(
  request: SignedRequest,
  signedHeaders: readonly string[],
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request, name);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/**
 * The request's `x-amz-*` parameters, from its headers and its query (where S3 applies them like
 * headers). Each may be given once, in one place: otherwise the policy could judge one value while
 * storage acted on another (a query `x-amz-copy-source` beside a header of the same name).
 */
function amzParameters(request: SignedRequest, query: readonly QueryParameter[]): Map<string, string> {
  const amz = new Map<string, string>();
  const twice = (name: string) =>
    new S3Error(400, 'InvalidArgument', `${name} must be given once, as a header or as a query parameter.`, {
      ArgumentName: name,
    });
  for (const [name, values] of Object.entries(request.headers)) {
    if (!name.startsWith('x-amz-') || values === undefined || values.length === 0) continue;
    if (values.length > 1) throw twice(name);
    amz.set(name, values.join(','));
  }
  for (const parameter of query) {
    const name = parameter.name.toLowerCase();
    if (!name.startsWith('x-amz-')) continue;
    if (amz.has(name)) throw twice(name);
    amz.set(name, parameter.value);
  }
  return amz;
}

function isPresigned(request: SignedRequest): boolean {
  return request.query.some(
    (parameter) =>
      parameter.name === 'X-Amz-Algorithm' ||
      parameter.name === 'X-Amz-Credential' ||
      parameter.name === 'X-Amz-Signature',
  );
}

/**
 * Verifies a request's SigV4 signature and returns who signed it. Throws an S3Error answering
 * exactly what S3 would; an unsigned request is refused with `AccessDenied` (no anonymous access).
 */
export async function verifySignature(
  request: SignedRequest,
  options: VerifyOptions,
): Promise<VerifiedSignature> {
  const authorization = headerValue(request, 'authorization');
  const presigned = isPresigned(request);
  if (authorization !== undefined && presigned) {
    throw new S3Error(
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string ' +
        'parameter or the Authorization header should be specified',
    );
  }
  if (authorization !== undefined) return verifyHeaderSigned(request, authorization, options);
  if (presigned) return verifyPresigned(request, options);
  if (
    request.query.some((parameter) => parameter.name === 'Signature' || parameter.name === 'AWSAccessKeyId')
  ) {
    throw notSupported();
  }
  // No bucket policy grants anonymous access: S3's answer to an unsigned request.
  throw accessDenied();
}

function notSupported(): S3Error {
  return new S3Error(
    400,
    'InvalidRequest',
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
  );
}

/** The fields of a header-signed request's `Authorization`, checked for shape. */
interface HeaderAuthorization {
  readonly credential: ParsedCredential;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** What re-signing needs besides the request and the credentials. */
interface Signing {
  readonly date: Date;
  readonly signedHeaders: readonly string[];
  readonly contentSha256: string;
}

async function verifyHeaderSigned(
  request: SignedRequest,
  authorization: string,
  options: VerifyOptions,
): Promise<VerifiedSignature> {
  const now = options.now ?? Date.now();
  const { credential, signedHeaders, signature } = parseAuthorizationHeader(authorization);
  const date = parseAmzDate(headerValue(request, 'x-amz-date'));
  if (!date) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  checkScope(credential, date, options.region, headerMalformed);

  const credentials = lookUp(options.store, credential.accessKeyId);
  checkToken(credentials, headerValue(request, 'x-amz-security-token'));
  checkClockSkew(request, date, now);
  checkNotExpired(credentials, now);

  const contentSha256 = declaredContentSha256(request);
  checkAllAmzHeadersSigned(request, new Set(signedHeaders));
  const expected = await resignHeaderSigned(request, credentials, options.region, {
    date,
    signedHeaders,
    contentSha256,
  });
  if (!expected || !signaturesEqual(expected, signature)) throw signatureDoesNotMatch();

  return {
    credentials,
    authType: 'REST-HEADER',
    signingDate: date,
    signedHeaders,
    contentSha256,
    amzParameters: amzParameters(request, request.query),
  };
}

function parseAuthorizationHeader(authorization: string): HeaderAuthorization {
  if (!authorization.startsWith(`${ALGORITHM} `)) throw notSupported();
  const fields = authorizationFields(authorization, (field) =>
    headerMalformed(`the field "${field}" is not a name=value pair`),
  );
  const credentialField = fields.get('Credential');
  const signedHeadersField = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const credential = credentialField === undefined ? undefined : parseCredential(credentialField);
  if (!credential) {
    throw headerMalformed(
      'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  if (signedHeadersField === undefined || !SIGNED_HEADERS.test(signedHeadersField)) {
    throw headerMalformed('the SignedHeaders field is missing or not a ;-separated list of lowercase names.');
  }
  if (signature === undefined) throw headerMalformed('the Signature field is missing.');
  const signedHeaders = signedHeadersField.split(';');
  if (!signedHeaders.includes('host')) throw headerMalformed('the SignedHeaders must include host.');
  return { credential, signedHeaders, signature };
}

function checkClockSkew(request: SignedRequest, date: Date, now: number): void {
  if (Math.abs(now - date.getTime()) <= MAX_CLOCK_SKEW_MS) return;
  throw new S3Error(
    403,
    'RequestTimeTooSkewed',
    'The difference between the request time and the current time is too large.',
    {
      RequestTime: headerValue(request, 'x-amz-date') ?? '',
      ServerTime: serverTime(now),
      MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
    },
  );
}

/** The payload hash or mode a header-signed request declares; S3 requires one. */
function declaredContentSha256(request: SignedRequest): string {
  const contentSha256 = headerValue(request, CONTENT_SHA256);
  if (contentSha256 === undefined) {
    throw new S3Error(400, 'InvalidRequest', `Missing required header for this request: ${CONTENT_SHA256}`);
  }
  if (!HEX_SHA256.test(contentSha256) && !PAYLOAD_MODES.has(contentSha256)) {
    throw new S3Error(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, ' +
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid sha256 value.',
      { ArgumentName: CONTENT_SHA256, ArgumentValue: contentSha256 },
    );
  }
  return contentSha256;
}

/** The signature of a header-signed request, re-signed under the client's date and signed headers. */
async function resignHeaderSigned(
  request: SignedRequest,
  credentials: IssuedCredentials,
  region: string,
  { date, signedHeaders, contentSha256 }: Signing,
): Promise<string | undefined> {
  const signedSet = new Set(signedHeaders);
  // The signed headers as received, plus x-amz-content-sha256 (the payload hash) even if the
  // client left it unsigned, in which case it must not enter the canonical headers.
  const headers = signedHeaderValues(request, signedHeaders);
  headers[CONTENT_SHA256] = contentSha256;
  const signer = signerFor(credentials, region, signedSet.has('x-amz-security-token'));
  const resigned = await signer.sign(httpRequest(request, request.query, headers), {
    signingDate: date,
    signableHeaders: signedSet,
    ...(signedSet.has(CONTENT_SHA256) ? {} : { unsignableHeaders: new Set([CONTENT_SHA256]) }),
  });
  return signatureOf(resigned.headers.authorization);
}

/** A presigned request's authentication parameters, checked for shape. */
interface PresignedAuthorization {
  readonly credential: ParsedCredential;
  readonly date: Date;
  /** `X-Amz-Expires` as given (S3 quotes it back) and in seconds. */
  readonly expiresField: string;
  readonly expiresSeconds: number;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly securityToken: string | undefined;
}

/** How a presigned request is re-signed: its payload hash and the headers that carry it. */
interface PresignedPayload {
  readonly contentSha256: string;
  readonly headers: Record<string, string>;
  readonly unhoistable: Set<string>;
  readonly unsignable: Set<string>;
  /** The query's X-Amz-Content-Sha256, re-signed as a header rather than left in the query. */
  readonly queryParameter: QueryParameter | undefined;
}

async function verifyPresigned(request: SignedRequest, options: VerifyOptions): Promise<VerifiedSignature> {
  const now = options.now ?? Date.now();
  const auth = parsePresigned(request);
  checkScope(auth.credential, auth.date, options.region, (message) =>
    queryMalformed(`Error parsing the X-Amz-Credential parameter; ${message}`),
  );

  const credentials = lookUp(options.store, auth.credential.accessKeyId);
  checkToken(credentials, auth.securityToken);
  const expiresAt = checkPresignedWindow(auth, now);
  checkNotExpired(credentials, now);
  const signedSet = new Set(auth.signedHeaders);
  checkAllAmzHeadersSigned(request, signedSet);

  const payload = presignedPayload(request, auth.signedHeaders);
  const rest = request.query.filter(
    (parameter) => !PRESIGN_PARAMETER_SET.has(parameter.name) && parameter !== payload.queryParameter,
  );
  const signer = signerFor(credentials, options.region, true);
  const resigned = await signer.presign(httpRequest(request, rest, payload.headers), {
    signingDate: auth.date,
    expiresIn: auth.expiresSeconds,
    signableHeaders: signedSet,
    unsignableHeaders: payload.unsignable,
    unhoistableHeaders: payload.unhoistable,
  });
  const expected = resigned.query?.['X-Amz-Signature'];
  if (typeof expected !== 'string' || !signaturesEqual(expected, auth.signature)) {
    throw signatureDoesNotMatch();
  }

  return {
    credentials,
    authType: 'REST-QUERY-STRING',
    signingDate: auth.date,
    signedHeaders: auth.signedHeaders,
    contentSha256: payload.contentSha256,
    amzParameters: amzParameters(request, rest),
    expiresAt,
  };
}

function parsePresigned(request: SignedRequest): PresignedAuthorization {
  const auth = presignParameters(request);
  const algorithm = auth.get('X-Amz-Algorithm');
  if (algorithm !== undefined && algorithm !== ALGORITHM) {
    throw queryMalformed(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  const credentialField = auth.get('X-Amz-Credential');
  const dateField = auth.get('X-Amz-Date');
  const expiresField = auth.get('X-Amz-Expires');
  const signedHeadersField = auth.get('X-Amz-SignedHeaders');
  const signature = auth.get('X-Amz-Signature');
  if (
    algorithm === undefined ||
    credentialField === undefined ||
    dateField === undefined ||
    expiresField === undefined ||
    signedHeadersField === undefined ||
    signature === undefined
  ) {
    throw queryMalformed(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, ' +
        'X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const credential = parseCredential(credentialField);
  if (!credential) {
    throw queryMalformed(
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting ' +
        '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  const date = parseAmzDate(dateField);
  if (!date) throw queryMalformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  const expiresSeconds = parseExpires(expiresField);
  if (!SIGNED_HEADERS.test(signedHeadersField)) {
    throw queryMalformed('X-Amz-SignedHeaders must be a ;-separated list of lowercase header names.');
  }
  const signedHeaders = signedHeadersField.split(';');
  if (!signedHeaders.includes('host')) throw queryMalformed('X-Amz-SignedHeaders must include host.');
  const securityToken = auth.get('X-Amz-Security-Token');
  return { credential, date, expiresField, expiresSeconds, signedHeaders, signature, securityToken };
}

/** The `X-Amz-*` authentication parameters of the query, each of which may be given once. */
function presignParameters(request: SignedRequest): Map<string, string> {
  const auth = new Map<string, string>();
  for (const parameter of request.query) {
    if (!PRESIGN_PARAMETER_SET.has(parameter.name)) continue;
    if (auth.has(parameter.name)) throw queryMalformed(`${parameter.name} must be given once.`);
    auth.set(parameter.name, parameter.value);
  }
  return auth;
}

function parseExpires(expiresField: string): number {
  if (!/^\d+$/.test(expiresField)) {
    throw queryMalformed(
      expiresField.startsWith('-')
        ? 'X-Amz-Expires must be non-negative'
        : 'X-Amz-Expires should be a number',
    );
  }
  const expiresSeconds = Number(expiresField);
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw queryMalformed(
      `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGNED_EXPIRES_SECONDS}`,
    );
  }
  return expiresSeconds;
}

/** The moment a presigned URL stops working, once it is valid now (not early, not expired). */
function checkPresignedWindow(auth: PresignedAuthorization, now: number): Date {
  if (auth.date.getTime() - now > MAX_CLOCK_SKEW_MS) throw accessDenied('Request is not valid yet');
  const expiresAt = new Date(auth.date.getTime() + auth.expiresSeconds * 1000);
  if (now > expiresAt.getTime()) {
    throw accessDenied('Request has expired', {
      'X-Amz-Expires': auth.expiresField,
      Expires: serverTime(expiresAt.getTime()),
      ServerTime: serverTime(now),
    });
  }
  return expiresAt;
}

/**
 * The payload hash of a presigned request: X-Amz-Content-Sha256 from the query (re-signed under
 * its original casing, which the canonical query keeps), a signed header, or UNSIGNED-PAYLOAD.
 */
function presignedPayload(request: SignedRequest, signedHeaders: readonly string[]): PresignedPayload {
  const queryParameter = request.query.find((parameter) => parameter.name.toLowerCase() === CONTENT_SHA256);
  const headers = signedHeaderValues(request, signedHeaders);
  const unhoistable = new Set(signedHeaders.filter((name) => name.startsWith('x-amz-')));
  const unsignable = new Set<string>();
  let contentSha256: string;
  if (queryParameter) {
    contentSha256 = queryParameter.value;
    headers[queryParameter.name] = queryParameter.value;
  } else if (headers[CONTENT_SHA256] !== undefined) {
    contentSha256 = headers[CONTENT_SHA256];
  } else {
    contentSha256 = UNSIGNED_PAYLOAD;
    headers[CONTENT_SHA256] = UNSIGNED_PAYLOAD;
    unhoistable.add(CONTENT_SHA256);
    unsignable.add(CONTENT_SHA256);
  }
  if (!HEX_SHA256.test(contentSha256) && contentSha256 !== UNSIGNED_PAYLOAD) {
    throw new S3Error(
      400,
      'InvalidArgument',
      'X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.',
    );
  }
  return { contentSha256, headers, unhoistable, unsignable, queryParameter };
}
