/**
 * Verification of a header-signed request (`Authorization: AWS4-HMAC-SHA256 ...`): its own parsing,
 * clock-skew check and `x-amz-content-sha256` rules, and its re-signing, apart from the presigned
 * kind, whose parameters, errors and payload rules differ.
 */
import { accessDenied, S3Error, signatureDoesNotMatch } from '../s3/errors';
import type { IssuedCredentials } from './credential-store';
import {
  amzParameters,
  headerValue,
  httpRequest,
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
  notSupported,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  serverTime,
  signerFor,
  UNSIGNED_PAYLOAD,
  type VerifiedSignature,
  type VerifyOptions,
} from './sigv4-checks';
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

const PAYLOAD_MODES = new Set([
  UNSIGNED_PAYLOAD,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);
const headerMalformed: Malformed = (message) =>
  new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`);

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

export async function verifyHeaderSigned(
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
