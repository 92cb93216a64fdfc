/**
 * The local Cognito identity pool: an HTTP service speaking the Cognito Identity JSON 1.1 protocol
 * (`X-Amz-Target: AWSCognitoIdentityService.<Op>`), so the AWS SDKs, boto3 and the CLI use it
 * unchanged through their endpoint setting. moto's own identity pool is only a placeholder (random ID per call,
 * fixed credentials); this one verifies every `Logins` token against the user pool's JWKS, returns
 * a stable identity ID per user, and mints temporary credentials bound to that identity and the
 * pool's authenticated role, which the S3 gateway then enforces. A pool that allows unauthenticated
 * identities also serves guests: calls without `Logins` for a new or known guest identity, whose
 * credentials and tokens are for the pool's unauthenticated role (`guests.ts`). It also issues OpenID tokens
 * (`GetOpenIdToken`, and `GetOpenIdTokenForDeveloperIdentity`, SigV4-signed by the one set of
 * developer credentials it is given) that the local STS (`local/sts/`) verifies.
 *
 * This module owns the HTTP side (CORS, the JWKS route, reading the body, dispatching on the
 * target, error answers); each operation lives in `operations/`, their shared state in `context.ts`.
 */
import { type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AwsJsonError, type StaticCredentials } from '../core/aws-json';
import type { CredentialStore } from '../core/credential-store';
import { readLimitedBody } from '../core/http-body';
import { type RateLimit, tokenBuckets } from '../core/token-buckets';
import { closeServer, LOOPBACK, listen } from '../stack/ports';
import type { IdentityContext, Operation } from './context';
import type { Input } from './input';
import { loginVerifier } from './login-verifier';
import { openIdTokenIssuer } from './open-id-tokens';
import { describeIdentityPool } from './operations/describe-identity-pool';
import { getCredentialsForIdentity } from './operations/get-credentials-for-identity';
import { getId } from './operations/get-id';
import { getOpenIdToken } from './operations/get-open-id-token';
import { getOpenIdTokenForDeveloperIdentity } from './operations/get-open-id-token-for-developer-identity';

export { COGNITO_IDENTITY_ISSUER } from './open-id-tokens';

export interface IdentityServiceOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly store: CredentialStore;
  /** The region this endpoint serves (identity pool IDs start with it). @default 'us-east-1' */
  readonly region?: string;
  /** Where the user pools really live (moto); JWKS at `{userPoolEndpoint}/{userPoolId}/.well-known/jwks.json`. */
  readonly userPoolEndpoint: string;
  /** @default 3600, Cognito's default */
  readonly credentialLifetimeSeconds?: number;
  /**
   * `GetCredentialsForIdentity` per identity: a token bucket of `burst` refilled at `perSecond`.
   * Past it the call is throttled (`TooManyRequestsException`, as Cognito answers), so one user
   * cannot mint credentials fast enough to crowd others out of the store.
   * @default { perSecond: 5, burst: 30 }
   */
  readonly issuanceLimit?: RateLimit;
  /**
   * `GetId` without logins (a new guest identity), one token bucket for every caller, as Cognito's
   * account-wide `GetId` quota: anyone may call it, and each call makes state the store keeps.
   * Past it: `TooManyRequestsException`. @default { perSecond: 25, burst: 50 }
   */
  readonly guestIdentityLimit?: RateLimit;
  /** Clock for the issuance limit, for tests. @default Date.now */
  readonly now?: () => number;
  /** One line per request (operation and outcome; never tokens or credentials). @default silent */
  readonly log?: (line: string) => void;
  /**
   * The only credentials allowed to call `GetOpenIdTokenForDeveloperIdentity` (the function's
   * role, in AWS). Absent: nobody may.
   */
  readonly developerCredentials?: StaticCredentials;
}

export interface IdentityService {
  /** Base URL, for `endpoint` / `--endpoint-url` / `AWS_ENDPOINT_URL_COGNITO_IDENTITY`. */
  readonly url: string;
  readonly port: number;
  /** The key that verifies the OpenID tokens this service issues (the local STS uses it). */
  readonly openIdKey: KeyObject;
  close(): Promise<void>;
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSCognitoIdentityService.';
const MAX_BODY_BYTES = 256 * 1024;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  GetOpenIdTokenForDeveloperIdentity: getOpenIdTokenForDeveloperIdentity,
  GetId: getId,
  GetCredentialsForIdentity: getCredentialsForIdentity,
  GetOpenIdToken: getOpenIdToken,
  DescribeIdentityPool: describeIdentityPool,
};

export async function startIdentityService(options: IdentityServiceOptions): Promise<IdentityService> {
  const context = identityContext(options);
  const server = createServer((req, res) => {
    handle(context, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = options.host ?? LOOPBACK;
  const port = await listen(server, host, options.port ?? 0, 'the local identity pool service');
  return {
    url: `http://${host}:${port}`,
    port,
    openIdKey: context.openIdTokens.publicKey,
    close: () => closeServer(server),
  };
}

function identityContext(options: IdentityServiceOptions): IdentityContext {
  const log = options.log ?? (() => {});
  return {
    store: options.store,
    region: options.region ?? 'us-east-1',
    lifetimeSeconds: options.credentialLifetimeSeconds ?? 3600,
    log,
    // The limit is checked first: a bad one fails before a signing key is generated.
    issuance: tokenBuckets(
      options.issuanceLimit ?? { perSecond: 5, burst: 30 },
      options.now ?? Date.now,
      'issuanceLimit',
    ),
    guestIdentities: tokenBuckets(
      options.guestIdentityLimit ?? { perSecond: 25, burst: 50 },
      options.now ?? Date.now,
      'guestIdentityLimit',
    ),
    logins: loginVerifier(options.userPoolEndpoint.replace(/\/+$/, ''), log),
    openIdTokens: openIdTokenIssuer(),
    ...(options.developerCredentials ? { developerCredentials: options.developerCredentials } : {}),
  };
}

async function handle(context: IdentityContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-amzn-RequestId', randomUUID());
  // Cognito Identity answers browsers from any origin: its unauthenticated calls carry no cookies.
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader(
    'Access-Control-Expose-Headers',
    'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date',
  );
  if (req.method === 'OPTIONS') {
    answerPreflight(req, res);
    return;
  }
  if (req.method === 'GET' && req.url === '/.well-known/jwks_uri') {
    send(res, 200, context.openIdTokens.jwks, 'application/json');
    return;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  try {
    const output = await dispatch(context, req, target, operationName);
    context.log(`identity: ${operationName} 200`);
    send(res, 200, output);
  } catch (error) {
    const failure =
      error instanceof AwsJsonError
        ? error
        : new AwsJsonError('InternalErrorException', 'An internal error occurred.', 500);
    if (!(error instanceof AwsJsonError))
      context.log(`identity: ${operationName} failed: ${error instanceof Error ? error.name : typeof error}`);
    context.log(`identity: ${operationName || target || req.method} ${failure.status} ${failure.type}`);
    res.setHeader('x-amzn-ErrorType', failure.type);
    send(res, failure.status, { __type: failure.type, message: failure.message });
  }
}

function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'Access-Control-Allow-Methods': 'POST',
    'Access-Control-Allow-Headers':
      req.headers['access-control-request-headers'] ?? 'content-type,x-amz-target',
    'Access-Control-Max-Age': '86400',
    'Content-Length': '0',
  });
  res.end();
}

/** Reads the request, finds its operation and runs it on the parsed input. */
async function dispatch(
  context: IdentityContext,
  req: IncomingMessage,
  target: string,
  operationName: string,
): Promise<unknown> {
  if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
    throw new AwsJsonError('UnknownOperationException', 'Unknown operation', 404);
  }
  const body = await readLimitedBody(
    req,
    MAX_BODY_BYTES,
    () => new AwsJsonError('SerializationException', 'The request body is too large.'),
  );
  const operation = Object.hasOwn(OPERATIONS, operationName) ? OPERATIONS[operationName] : undefined;
  if (!operation) throw new AwsJsonError('UnknownOperationException', `Unknown operation ${target}`);
  return operation(context, parseInput(body), {
    method: req.method ?? 'POST',
    path: req.url ?? '/',
    headers: req.headers,
    body,
  });
}

function parseInput(body: Buffer): Input {
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsJsonError('SerializationException', 'Start of structure or map found where not expected.');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AwsJsonError('SerializationException', 'The request body must be a JSON object.');
  }
  return input as Input;
}

function send(res: ServerResponse, status: number, body: unknown, contentType = JSON_CONTENT_TYPE): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
