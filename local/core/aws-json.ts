/**
 * What the local front doors for AWS JSON-protocol services (the user pool and DynamoDB) share:
 * AWS's error shape, SigV4 verification of header-signed requests with the errors those services
 * answer, and forwarding one authorized request to moto over its Unix socket.
 *
 * A signature is checked by re-signing the request with `@smithy/signature-v4` (the signer the SDKs
 * use) under the caller's date and signed headers, over the body's own SHA-256, and comparing in
 * constant time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { type CredentialStore, safeEqual } from './credential-store';
import { readLimitedBody } from './http-body';
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

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** AWS's JSON services refuse a request signed more than 5 minutes away from their clock. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Long-lived keys the stack generates at start (the admin's, the function's); kept in memory only. */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Who signed a request. */
export interface Caller {
  readonly kind: 'admin' | 'function' | 'events' | 'identity';
  /** The principal as AWS names it in an AccessDeniedException. */
  readonly arn: string;
}

/** The principals one front door knows; identity-pool credentials are recognized to be refused. */
export interface Principals {
  /** The stack's admin keys; a service no admin may call (the identity pool) names none. */
  readonly admin?: StaticCredentials;
  readonly function?: StaticCredentials;
  /** The events function's role keys. */
  readonly events?: StaticCredentials;
  readonly store?: CredentialStore;
}

/** The account every local ARN names. */
export const ACCOUNT_ID = '000000000000';
export const ADMIN_ARN = `arn:aws:iam::${ACCOUNT_ID}:user/user-files-local-admin`;
export const FUNCTION_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/user-files-local-function/user-files-api-local`;
export const EVENTS_FUNCTION_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/user-files-local-events/user-files-events-local`;

/** An error in the AWS JSON protocol's shape (`__type` and `message`). */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** `policy`: which policy failed to allow it; KMS names the key policy (`resource-based`). */
export const accessDenied = (
  caller: Caller,
  action: string,
  resource: string,
  policy: 'identity-based' | 'resource-based' = 'identity-based',
) =>
  new AwsJsonError(
    'AccessDeniedException',
    `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ` +
      `because no ${policy} policy allows the ${action} action`,
  );

const invalidSignature = (message: string) => new AwsJsonError('InvalidSignatureException', message);
const incompleteSignature = (message: string) => new AwsJsonError('IncompleteSignatureException', message);
const unrecognizedClient = () =>
  new AwsJsonError('UnrecognizedClientException', 'The security token included in the request is invalid.');

export function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': AWS_JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: AwsJsonError, requestId: string): void {
  res.setHeader('x-amzn-errortype', error.type);
  sendJson(res, error.status, { __type: error.type, message: error.message }, requestId);
}

/**
 * Settles one request of a front door: logs `{service}: {outcome}`, or answers the refusal (an
 * unexpected failure as `internal`, never its details) in the service's error shape.
 */
export function settle(
  work: Promise<string>,
  res: ServerResponse,
  door: { readonly service: string; readonly internal: AwsJsonError; readonly log: (line: string) => void },
): void {
  const requestId = randomUUID();
  work.then(
    (outcome) => door.log(`${door.service}: ${outcome}`),
    (error: unknown) => {
      const refusal = error instanceof AwsJsonError ? error : door.internal;
      door.log(
        error instanceof AwsJsonError
          ? `${door.service}: refused ${refusal.type}`
          : `${door.service}: unexpected ${error instanceof Error ? error.name : typeof error}`,
      );
      if (res.headersSent) res.destroy();
      else sendError(res, refusal, requestId);
    },
  );
}

/** Reads a request body up to `limit` bytes (an AWS-style 413 beyond). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return readLimitedBody(
    req,
    limit,
    () => new AwsJsonError('SerializationException', 'Request body too large', 413),
  );
}

/** A JSON object body, or the SerializationException AWS answers for anything else. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
  } catch {
    throw new AwsJsonError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AwsJsonError('SerializationException', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** The operation named by `X-Amz-Target: {prefix}{Operation}`, or undefined. */
export function targetOperation(req: IncomingMessage, prefix: string): string | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(prefix)) return undefined;
  const operation = target.slice(prefix.length);
  return /^[A-Za-z0-9]{1,128}$/.test(operation) ? operation : undefined;
}

/** What verification reads of a request: its method, path and headers. */
export type SignedJsonRequest = Pick<IncomingMessage, 'method' | 'url' | 'headers'>;

function header(req: SignedJsonRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

interface Signer {
  readonly caller: Caller;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

function findSigner(principals: Principals, accessKeyId: string): Signer | undefined {
  if (principals.admin && safeEqual(accessKeyId, principals.admin.accessKeyId)) {
    return { caller: { kind: 'admin', arn: ADMIN_ARN }, secretAccessKey: principals.admin.secretAccessKey };
  }
  if (principals.function && safeEqual(accessKeyId, principals.function.accessKeyId)) {
    return {
      caller: { kind: 'function', arn: FUNCTION_ARN },
      secretAccessKey: principals.function.secretAccessKey,
    };
  }
  if (principals.events && safeEqual(accessKeyId, principals.events.accessKeyId)) {
    return {
      caller: { kind: 'events', arn: EVENTS_FUNCTION_ARN },
      secretAccessKey: principals.events.secretAccessKey,
    };
  }
  const issued = principals.store?.findCredentials(accessKeyId);
  if (!issued) return undefined;
  const roleName = issued.roleArn.split('/').pop() ?? 'role';
  return {
    caller: {
      kind: 'identity',
      arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/CognitoIdentityCredentials`,
    },
    secretAccessKey: issued.secretAccessKey,
    sessionToken: issued.sessionToken,
    expiration: issued.expiration,
  };
}

export interface VerifyJsonOptions {
  /** The signing name the credential scope must carry (`cognito-idp`, `dynamodb`). */
  readonly service: string;
  readonly region: string;
  readonly principals: Principals;
  /** @default Date.now() */
  readonly now?: number;
}

/**
 * Verifies a header-signed SigV4 request over `body` and returns who signed it; throws the
 * AwsJsonError a JSON-protocol AWS service answers otherwise.
 */
export async function verifyJsonSignature(
  req: SignedJsonRequest,
  body: Buffer,
  options: VerifyJsonOptions,
): Promise<Caller> {
  const now = options.now ?? Date.now();
  const authorization = parseAuthorization(req);
  const date = checkDateAndScope(req, authorization.credential, options);
  const signer = authenticate(req, options.principals, authorization.credential.accessKeyId);
  checkFreshness(req, date, signer, now);
  checkPayloadHash(req, body);
  const expected = await resign(req, body, authorization, signer, date);
  if (!expected || !signaturesEqual(expected, authorization.signature)) {
    throw invalidSignature(
      'The request signature we calculated does not match the signature you provided. Check your AWS ' +
        'Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return signer.caller;
}

/** The fields of the request's `Authorization`, checked for shape. */
interface JsonAuthorization {
  readonly credential: ParsedCredential;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

function parseAuthorization(req: SignedJsonRequest): JsonAuthorization {
  const authorization = header(req, 'authorization');
  if (authorization === undefined) {
    // AWS's common errors: MissingAuthenticationToken is a 403.
    throw new AwsJsonError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  }
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    throw incompleteSignature(`Authorization header requires the ${ALGORITHM} algorithm.`);
  }
  const fields = authorizationFields(authorization, (field) =>
    incompleteSignature(`Authorization header has a malformed field: ${field}`),
  );
  const credentialField = fields.get('Credential');
  const credential = credentialField === undefined ? undefined : parseCredential(credentialField);
  const signedHeadersField = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (
    !credential ||
    signedHeadersField === undefined ||
    !SIGNED_HEADERS.test(signedHeadersField) ||
    signature === undefined
  ) {
    throw incompleteSignature(
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
  const signedHeaders = signedHeadersField.split(';');
  if (!signedHeaders.includes('host')) throw invalidSignature("'Host' must be a signed header.");
  return { credential, signedHeaders, signature };
}

/** The request's X-Amz-Date, once the credential is scoped to it, this region and this service. */
function checkDateAndScope(
  req: SignedJsonRequest,
  credential: ParsedCredential,
  options: VerifyJsonOptions,
): Date {
  const date = parseAmzDate(header(req, 'x-amz-date'));
  if (!date)
    throw incompleteSignature('Authorization header requires existence of a valid X-Amz-Date header.');
  if (credential.date !== header(req, 'x-amz-date')?.slice(0, 8)) {
    throw invalidSignature('Credential should be scoped to the date of X-Amz-Date.');
  }
  if (credential.region !== options.region) {
    throw invalidSignature(`Credential should be scoped to a valid region, not '${credential.region}'.`);
  }
  if (credential.service !== options.service) {
    throw invalidSignature(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (credential.terminator !== 'aws4_request') {
    throw invalidSignature("Credential should be scoped with a valid terminator: 'aws4_request'.");
  }
  return date;
}

/** The known signer of the access key, once the request carries its session token (and only then). */
function authenticate(req: SignedJsonRequest, principals: Principals, accessKeyId: string): Signer {
  const signer = findSigner(principals, accessKeyId);
  if (!signer) throw unrecognizedClient();
  const token = header(req, 'x-amz-security-token');
  if (
    signer.sessionToken === undefined
      ? token !== undefined
      : token === undefined || !safeEqual(token, signer.sessionToken)
  ) {
    throw unrecognizedClient();
  }
  return signer;
}

function checkFreshness(req: SignedJsonRequest, date: Date, signer: Signer, now: number): void {
  if (Math.abs(now - date.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw invalidSignature(
      `Signature expired: ${header(req, 'x-amz-date')} is now earlier than ${new Date(now - MAX_CLOCK_SKEW_MS).toISOString()}.`,
    );
  }
  if (signer.expiration && now >= signer.expiration.getTime()) {
    throw new AwsJsonError('ExpiredTokenException', 'The security token included in the request is expired');
  }
}

/** The body's own hash: a client-supplied x-amz-content-sha256 must match it, never replace it. */
function checkPayloadHash(req: SignedJsonRequest, body: Buffer): void {
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const claimedHash = header(req, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== payloadHash) {
    throw invalidSignature('The provided x-amz-content-sha256 header does not match what was computed.');
  }
}

/** The signature of the request, re-signed under the caller's date and signed headers. */
async function resign(
  req: SignedJsonRequest,
  body: Buffer,
  { credential, signedHeaders }: JsonAuthorization,
  signer: Signer,
  date: Date,
): Promise<string | undefined> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(req, name);
    if (value !== undefined) headers[name] = value;
  }
  const resigned = await new SignatureV4({
    service: credential.service,
    region: credential.region,
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: signer.secretAccessKey,
      ...(signer.sessionToken ? { sessionToken: signer.sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  }).sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: (header(req, 'host') ?? '').replace(/:\d+$/, ''),
      path: (req.url ?? '/').split('?')[0] ?? '/',
      query: {},
      headers,
      body,
    },
    { signingDate: date, signableHeaders: new Set(signedHeaders) },
  );
  return signatureOf(resigned.headers.authorization);
}

/** Upstream response headers worth passing back; moto's own server headers stay behind. */
const PASSED_BACK = ['content-type', 'x-amzn-requestid', 'x-amzn-errortype', 'x-amz-crc32', 'cache-control'];

/** A signed JSON-protocol request, read as the doors read it: operation, signer and parameters. */
export interface SignedJsonCall {
  readonly operation: string;
  readonly caller: Caller;
  readonly input: Record<string, unknown>;
}

/**
 * Reads a JSON-protocol request as AWS does: only `POST /` with a known `X-Amz-Target`, a bounded
 * body, a valid SigV4 signature, then a JSON object; throws the AwsJsonError AWS answers otherwise.
 */
export async function readSignedJsonCall(
  req: IncomingMessage,
  options: VerifyJsonOptions & { readonly targetPrefix: string; readonly maxBodyBytes: number },
): Promise<SignedJsonCall> {
  if (req.method !== 'POST' || req.url !== '/') {
    req.resume();
    throw new AwsJsonError('UnknownOperationException', 'Not found.', 404);
  }
  const body = await readBody(req, options.maxBodyBytes);
  const operation = targetOperation(req, options.targetPrefix);
  if (!operation) throw new AwsJsonError('UnknownOperationException', 'Unknown operation.');
  const caller = await verifyJsonSignature(req, body, options);
  return { operation, caller, input: parseJsonObject(body) };
}

/**
 * Sends one request to moto through its socket agent and streams the answer back. `headers` are
 * the only ones moto sees: the front door passes on what it authorized, nothing the caller added.
 */
export function forwardToMoto(
  agent: Agent,
  res: ServerResponse,
  target: { method: string; path: string; headers: Record<string, string>; body?: Buffer },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      {
        agent,
        method: target.method,
        path: target.path,
        headers: {
          ...target.headers,
          ...(target.body ? { 'content-length': String(target.body.length) } : {}),
        },
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        const headers: Record<string, string> = {};
        for (const name of PASSED_BACK) {
          const value = answer.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        res.writeHead(status, headers);
        answer.pipe(res);
        answer.on('end', () => resolve(status));
        answer.on('error', reject);
      },
    );
    upstream.on('error', () =>
      reject(new AwsJsonError('ServiceUnavailableException', 'The service is unavailable.', 503)),
    );
    upstream.end(target.body);
  });
}
