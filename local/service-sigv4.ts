/**
 * SigV4 verification of header-signed requests to the local JSON-protocol services (Cognito
 * Identity's developer-authenticated calls), the way `sigv4-verify.ts` does it for S3: the request
 * is re-signed with `@smithy/signature-v4` using the client's date, scope and signed headers, and
 * the signatures are compared in constant time. The body is hashed, as these services sign it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNED_HEADERS = /^[a-z0-9-]+(;[a-z0-9-]+)*$/;

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A refusal in the JSON protocol's terms (`__type`), with the status AWS answers it with. */
export class ServiceAuthError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export interface ServiceRequest {
  readonly method: string;
  /** The path as received. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface VerifyServiceOptions {
  /** The signing name, e.g. `cognito-identity`. */
  readonly service: string;
  readonly region: string;
  /** The credentials of an access key ID, or undefined when it is unknown. */
  readonly credentialsFor: (accessKeyId: string) => SigningCredentials | undefined;
  readonly now?: number;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value === undefined ? null : AMZ_DATE.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '') === value ? date : undefined;
}

const incomplete = (message: string) => new ServiceAuthError('IncompleteSignatureException', message);

/** Verifies the request's signature; returns the access key ID that signed it. */
export async function verifyServiceSignature(
  request: ServiceRequest,
  options: VerifyServiceOptions,
): Promise<string> {
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined) {
    throw new ServiceAuthError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  }
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    throw incomplete(`Authorization header requires the ${ALGORITHM} algorithm.`);
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals !== -1) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const scope = (fields.get('Credential') ?? '').split('/');
  const signedHeadersField = fields.get('SignedHeaders') ?? '';
  const signature = fields.get('Signature') ?? '';
  if (scope.length !== 5 || scope.some((part) => part === '') || !SIGNED_HEADERS.test(signedHeadersField)) {
    throw incomplete(
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    );
  }
  const [accessKeyId, day, region, service, terminator] = scope as [string, string, string, string, string];
  const date = parseAmzDate(header(request.headers, 'x-amz-date'));
  if (!date)
    throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (region !== options.region || service !== options.service || terminator !== 'aws4_request') {
    throw new ServiceAuthError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region and service '${options.service}'.`,
    );
  }
  if (day !== date.toISOString().slice(0, 10).replaceAll('-', '')) {
    throw new ServiceAuthError(
      'InvalidSignatureException',
      'Credential should be scoped to the request date.',
    );
  }
  const credentials = options.credentialsFor(accessKeyId);
  if (!credentials) {
    throw new ServiceAuthError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  if ((credentials.sessionToken ?? '') !== (header(request.headers, 'x-amz-security-token') ?? '')) {
    throw new ServiceAuthError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  const now = options.now ?? Date.now();
  if (Math.abs(now - date.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new ServiceAuthError(
      'InvalidSignatureException',
      'Signature expired: the request time is too skewed.',
    );
  }
  const signedHeaders = signedHeadersField.split(';');
  if (!signedHeaders.includes('host')) throw incomplete('SignedHeaders must include host.');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const host = header(request.headers, 'host') ?? '';
  const [path, rawQuery = ''] = request.path.split('?', 2) as [string, string?];
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) query[name] = value;
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path,
      query,
      headers: {
        ...headers,
        // The signer hashes this value instead of the body when present: give it the real hash.
        'x-amz-content-sha256': createHash('sha256').update(request.body).digest('hex'),
      },
      body: request.body,
    },
    {
      signingDate: date,
      signableHeaders: new Set(signedHeaders),
      unsignableHeaders: new Set(['x-amz-content-sha256']),
    },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization ?? ''))?.[1] ?? '';
  if (
    !/^[0-9a-f]{64}$/.test(signature) ||
    !timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(signature, 'hex'))
  ) {
    throw new ServiceAuthError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
  return accessKeyId;
}
