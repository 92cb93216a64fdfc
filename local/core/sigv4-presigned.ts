/**
 * Verification of a presigned request (SigV4 in the `X-Amz-*` query parameters): its parameters,
 * URL lifetime, payload hash and re-signing, apart from the header-signed kind, whose fields, errors
 * and payload rules differ.
 */
import { accessDenied, S3Error, signatureDoesNotMatch } from '../s3/errors';
import {
  amzParameters,
  httpRequest,
  type QueryParameter,
  type SignedRequest,
  signedHeaderValues,
} from './signed-request';
import {
  CONTENT_SHA256,
  checkAllAmzHeadersSigned,
  checkNotExpired,
  checkScope,
  checkToken,
  HEX_SHA256,
  lookUp,
  MAX_CLOCK_SKEW_MS,
  type Malformed,
  serverTime,
  signerFor,
  UNSIGNED_PAYLOAD,
  type VerifiedSignature,
  type VerifyOptions,
} from './sigv4-checks';
import {
  ALGORITHM,
  type ParsedCredential,
  parseAmzDate,
  parseCredential,
  SIGNED_HEADERS,
  signaturesEqual,
} from './sigv4-parts';

/** The longest presigned URL lifetime SigV4 allows: one week. */
const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

/** The query parameters of a presigned request's signature (removed before forwarding). */
const PRESIGN_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
] as const;
const PRESIGN_PARAMETER_SET: ReadonlySet<string> = new Set(PRESIGN_PARAMETERS);
const queryMalformed: Malformed = (message) => new S3Error(400, 'AuthorizationQueryParametersError', message);

export function isPresigned(request: SignedRequest): boolean {
  return request.query.some(
    (parameter) =>
      parameter.name === 'X-Amz-Algorithm' ||
      parameter.name === 'X-Amz-Credential' ||
      parameter.name === 'X-Amz-Signature',
  );
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

export async function verifyPresigned(
  request: SignedRequest,
  options: VerifyOptions,
): Promise<VerifiedSignature> {
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
