/**
 * The local S3 gateway: a reverse proxy in front of moto's S3 (path-style `/{bucket}/{key}`) that
 * does for every request what S3 and IAM do before touching data: verify the SigV4 signature
 * (header-signed or presigned), resolve the credentials to their Cognito identity, evaluate the
 * identity's role policy with the IAM policy engine, verify the body (payload hash, aws-chunked
 * trailers, Content-MD5, flexible checksums), and only then forward to moto. Refusals are S3's own
 * XML errors. Browser CORS (preflight and response headers) follows the bucket's CORS rules.
 *
 * Never logged: credentials, session tokens, signatures, query strings (presigned URLs).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { type CORSRule, GetBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import type { CredentialStore } from './credential-store';
import { isAllowed } from './policy-engine';
import { closeServer, LOOPBACK, listen } from './ports';
import { type CorsRequest, corsResponseHeaders, matchCorsRule, parseRequestHeaders } from './s3-cors';
import { accessDenied, errorXml, S3Error } from './s3-errors';
import {
  type AuthorizationCheck,
  bucketArn,
  type DeleteEntry,
  deleteEntryCheck,
  deleteErrorsXml,
  deleteRequestXml,
  parseDeleteRequest,
  parsePath,
  resolveOperation,
  type S3Operation,
} from './s3-operations';
import { checkPayload } from './s3-payload';
import {
  headerValue,
  PRESIGN_PARAMETERS,
  parseQuery,
  type QueryParameter,
  type SignedRequest,
  type VerifiedSignature,
  verifySignature,
} from './sigv4-verify';

export interface S3GatewayOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  /** moto's base URL, e.g. `http://127.0.0.1:5000`; with `upstreamAgent`, only its host is used (the Host header). */
  readonly upstream: string;
  /** Carries every connection to moto (e.g. to its Unix socket). @default a keep-alive TCP agent */
  readonly upstreamAgent?: Agent;
  readonly store: CredentialStore;
  /** The region signatures must be scoped to. @default 'us-east-1' */
  readonly region?: string;
  /**
   * CORS rules for every bucket, instead of each bucket's own configuration (read from moto with
   * GetBucketCors and cached for `corsCacheSeconds`).
   */
  readonly corsRules?: readonly CORSRule[];
  /** @default 5 */
  readonly corsCacheSeconds?: number;
  /** Largest request body accepted (bodies are buffered to be verified). @default 536870912 (512 MiB) */
  readonly maxBodyBytes?: number;
  /** One line per request: operation, bucket, key, outcome. @default silent */
  readonly log?: (line: string) => void;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

export interface S3Gateway {
  /** Base URL for `endpoint` / `--endpoint-url` / `AWS_ENDPOINT_URL_S3` (path-style by itself). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_CORS_CACHE_ENTRIES = 256;
/** Request bodies up to this size are read and dropped before an early refusal, so clients see it. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'content-length',
]);
/** Request headers that carry the caller's authentication or the body's framing: never forwarded. */
const NOT_FORWARDED = new Set([
  'authorization',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
]);
const PRESIGN_PARAMETER_SET: ReadonlySet<string> = new Set(PRESIGN_PARAMETERS);
/** A well-formed placeholder: moto never checks it, and it carries no secret. */
const UPSTREAM_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local-gateway/20000101/us-east-1/s3/aws4_request, SignedHeaders=host, ' +
  `Signature=${'0'.repeat(64)}`;

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

function accountOf(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}

/** The condition keys IAM sets for every request of a Cognito identity's session. */
function commonContext(
  verified: VerifiedSignature,
  region: string,
  now: number,
  sourceIp: string,
): Record<string, string | string[]> {
  const { credentials } = verified;
  return {
    'aws:SecureTransport': 'false',
    'aws:CurrentTime': new Date(now).toISOString(),
    'aws:EpochTime': String(Math.floor(now / 1000)),
    'aws:SourceIp': sourceIp,
    'aws:RequestedRegion': region,
    'aws:PrincipalArn': credentials.roleArn,
    'aws:PrincipalAccount': accountOf(credentials.roleArn),
    'aws:PrincipalType': 'AssumedRole',
    'aws:FederatedProvider': 'cognito-identity.amazonaws.com',
    'aws:TokenIssueTime': credentials.issuedAt.toISOString(),
    'aws:ViaAWSService': 'false',
    'cognito-identity.amazonaws.com:sub': credentials.identityId,
    'cognito-identity.amazonaws.com:aud': credentials.identityPoolId,
    'cognito-identity.amazonaws.com:amr': [...credentials.amr],
    's3:authType': verified.authType,
    's3:signatureversion': 'AWS4-HMAC-SHA256',
    's3:signatureAge': String(Math.max(0, now - verified.signingDate.getTime())),
    's3:x-amz-content-sha256': verified.contentSha256,
  };
}

export async function startS3Gateway(options: S3GatewayOptions): Promise<S3Gateway> {
  const { store } = options;
  const host = options.host ?? LOOPBACK;
  const region = options.region ?? 'us-east-1';
  const maxBodyBytes = options.maxBodyBytes ?? 512 * 1024 * 1024;
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const upstream = new URL(options.upstream);
  const agent = options.upstreamAgent ?? new Agent({ keepAlive: true });
  const corsCacheMs = (options.corsCacheSeconds ?? 5) * 1000;

  // moto runs with auth off: the admin client's key is never checked, only needed to sign at all.
  const admin = new S3Client({
    region,
    endpoint: options.upstream,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local-gateway', secretAccessKey: 'local-gateway' },
    requestHandler: { httpAgent: agent },
  });
  const corsCache = new Map<string, { rules: readonly CORSRule[]; at: number }>();
  async function corsRules(bucket: string): Promise<readonly CORSRule[]> {
    if (options.corsRules) return options.corsRules;
    const cached = corsCache.get(bucket);
    if (cached && now() - cached.at < corsCacheMs) return cached.rules;
    let rules: readonly CORSRule[] = [];
    try {
      rules = (await admin.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
    } catch {
      // NoSuchCORSConfiguration or NoSuchBucket: no CORS, which is what S3 answers then too.
    }
    // Bounded: a client can name any bucket, and each unknown name is cached as "no CORS".
    if (corsCache.size >= MAX_CORS_CACHE_ENTRIES) corsCache.clear();
    corsCache.set(bucket, { rules, at: now() });
    return rules;
  }

  async function corsHeaders(bucket: string | undefined, request: CorsRequest | undefined) {
    if (!bucket || !request) return {};
    const rule = matchCorsRule(await corsRules(bucket), request);
    return rule ? corsResponseHeaders(rule, request, false) : {};
  }

  async function preflight(req: IncomingMessage, res: ServerResponse, id: string, rawPath: string) {
    const origin = req.headers.origin;
    const method = req.headers['access-control-request-method'];
    if (!origin || !method) {
      throw new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
    }
    const { bucket } = parsePath(rawPath);
    if (!bucket) throw new S3Error(403, 'AccessForbidden', 'CORSResponse: Bucket not found');
    const rules = await corsRules(bucket);
    if (rules.length === 0)
      throw new S3Error(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
    const request = {
      origin,
      method,
      requestHeaders: parseRequestHeaders(req.headers['access-control-request-headers']),
    };
    const rule = matchCorsRule(rules, request);
    if (!rule) {
      throw new S3Error(
        403,
        'AccessForbidden',
        'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, ' +
          'request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted ' +
          "by the resource's CORS spec.",
      );
    }
    res.writeHead(200, {
      ...corsResponseHeaders(rule, request, true),
      'x-amz-request-id': id,
      'Content-Length': '0',
    });
    res.end();
    log(`s3: OPTIONS ${bucket} 200`);
  }

  async function authorize(
    verified: VerifiedSignature,
    checks: readonly AuthorizationCheck[],
    context: Record<string, string | string[]>,
  ): Promise<boolean[]> {
    const policy = store.policyFor(verified.credentials);
    if (!policy) return checks.map(() => false);
    return Promise.all(
      checks.map((check) =>
        isAllowed({
          policy,
          action: check.action,
          resource: check.resource,
          context: { ...context, ...check.context },
        }),
      ),
    );
  }

  /** Forwards to moto and streams the answer back; `transformXml` may rewrite a (small) XML answer. */
  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: { path: string; headers: OutgoingHttpHeaders; body: Buffer | undefined },
    responseHeaders: Record<string, string>,
    options: { transformXml?: (xml: string) => string; hideMissing?: boolean } = {},
  ): Promise<number> {
    const { transformXml, hideMissing } = options;
    return new Promise((resolve, reject) => {
      const upstreamRequest = httpRequest(
        {
          agent,
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: target.path,
          // moto's own address: an IP host is always path-style, so moto cannot read a bucket out
          // of a client-chosen Host (virtual-hosted style) and act on another key than authorized.
          headers: { ...target.headers, host: upstream.host },
        },
        (upstreamResponse) => {
          const status = upstreamResponse.statusCode ?? 502;
          if (status === 404 && hideMissing) {
            upstreamResponse.resume();
            reject(accessDenied('Access Denied', {}, 'missing key, and no s3:ListBucket to learn so'));
            return;
          }
          const headers = copyResponseHeaders(upstreamResponse.headers);
          if (transformXml && status === 200) {
            const chunks: Buffer[] = [];
            upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
            upstreamResponse.on('end', () => {
              const body = Buffer.from(transformXml(Buffer.concat(chunks).toString('utf8')), 'utf8');
              res.writeHead(status, {
                ...headers,
                ...responseHeaders,
                'content-length': String(body.length),
              });
              res.end(body);
              resolve(status);
            });
            upstreamResponse.on('error', reject);
            return;
          }
          res.writeHead(status, { ...headers, ...responseHeaders });
          upstreamResponse.pipe(res);
          upstreamResponse.on('end', () => resolve(status));
          upstreamResponse.on('error', reject);
        },
      );
      upstreamRequest.on('error', (error) =>
        reject(
          new S3Error(
            503,
            'ServiceUnavailable',
            'Please reduce your request rate.',
            {},
            `moto unreachable: ${error.message}`,
          ),
        ),
      );
      upstreamRequest.end(target.body);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const id = requestId();
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
    const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = req.headers.origin;
    let bucket: string | undefined;
    let described = `${method} ${rawPath.split('/')[1] ?? ''}`;
    let bodyRead = false;
    try {
      if (method === 'OPTIONS') {
        await preflight(req, res, id, rawPath);
        return;
      }
      bucket = parsePath(rawPath).bucket;
      const query = parseQuery(rawQuery);
      const signed: SignedRequest = { method, rawPath, query, headers: req.headersDistinct };
      const verified = await verifySignature(signed, { store, region, now: now() });
      const operation = resolveOperation({ method, rawPath, query, amzParameters: verified.amzParameters });
      described = `${operation.name} ${operation.bucket}${operation.key === undefined ? '' : `/${operation.key}`}`;
      const context = commonContext(verified, region, now(), req.socket.remoteAddress ?? LOOPBACK);
      const allowed = await authorize(verified, operation.checks, context);
      if (allowed.includes(false)) {
        const denied = operation.checks.filter((_, index) => !allowed[index]).map((check) => check.action);
        throw accessDenied('Access Denied', {}, `policy denies ${denied.join(', ')}`);
      }

      const declaredLength = Number(req.headers['content-length'] ?? 0);
      if (declaredLength > maxBodyBytes) {
        throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
          MaxSizeAllowed: String(maxBodyBytes),
        });
      }
      if (expectsContinue) res.writeContinue();
      let raw: Buffer;
      try {
        raw = await readBody(req, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
        }
        throw error;
      }
      bodyRead = true;
      const header = (name: string) => headerValue(signed, name);
      const payload = checkPayload({
        body: raw,
        contentSha256: verified.contentSha256,
        header,
        amzParameters: verified.amzParameters,
        checksumsDescribeBody: operation.checksumsDescribeBody,
      });

      const corsRequest = origin ? { origin, method } : undefined;
      const responseHeaders = { ...(await corsHeaders(bucket, corsRequest)), 'x-amz-request-id': id };
      const headers = forwardHeaders(req.headers, verified, payload.decodedFromChunks);
      if (payload.trailerChecksum) headers[payload.trailerChecksum[0]] = payload.trailerChecksum[1];
      if (operation.checksumsDescribeBody) nameChecksumAlgorithm(headers);
      const path = upstreamPath(operation.bucket, operation.key) + forwardQuery(query);

      if (operation.name === 'DeleteObjects') {
        await deleteObjects(
          req,
          res,
          operation,
          verified,
          context,
          payload.body,
          headers,
          path,
          responseHeaders,
        );
        log(`s3: ${described} forwarded`);
        return;
      }
      // S3 answers a missing key with 404 only to a caller allowed s3:ListBucket on the bucket
      // (unconditioned: this check carries no s3:prefix); anyone else learns nothing, gets 403.
      const hideMissing =
        (operation.name === 'GetObject' || operation.name === 'HeadObject') &&
        !(
          await authorize(
            verified,
            [{ action: 's3:ListBucket', resource: bucketArn(operation.bucket), context: {} }],
            context,
          )
        )[0];
      const status = await forward(
        req,
        res,
        { path, headers: withBody(headers, payload.body), body: payload.body },
        responseHeaders,
        { hideMissing },
      );
      log(`s3: ${described} ${status}`);
    } catch (error) {
      const failure =
        error instanceof S3Error
          ? error
          : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      if (!(error instanceof S3Error))
        log(`s3: ${described} failed: ${error instanceof Error ? error.name : typeof error}`);
      log(`s3: ${described} ${failure.status} ${failure.code}${failure.note ? ` (${failure.note})` : ''}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      let cors: Record<string, string> = {};
      try {
        cors = await corsHeaders(bucket, origin ? { origin, method } : undefined);
      } catch {
        // CORS headers are a courtesy on errors.
      }
      await respondError(
        req,
        res,
        failure,
        id,
        cors,
        bodyRead ? 'read' : expectsContinue ? 'not-sent' : 'unread',
      );
    }
  }

  async function deleteObjects(
    req: IncomingMessage,
    res: ServerResponse,
    operation: S3Operation,
    verified: VerifiedSignature,
    context: Record<string, string | string[]>,
    body: Buffer,
    headers: OutgoingHttpHeaders,
    path: string,
    responseHeaders: Record<string, string>,
  ): Promise<void> {
    // headers already hold the verified checksums, hoisted or from a trailer.
    const hasIntegrity =
      headers['content-md5'] !== undefined ||
      Object.keys(headers).some((name) => name.startsWith('x-amz-checksum-'));
    if (!hasIntegrity) {
      throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
    }
    const request = parseDeleteRequest(body.toString('utf8'));
    const checks = request.entries.map((entry) => deleteEntryCheck(operation.bucket, entry));
    const allowed = await authorize(verified, checks, context);
    const permitted: DeleteEntry[] = [];
    const refused: DeleteEntry[] = [];
    request.entries.forEach((entry, index) => {
      (allowed[index] ? permitted : refused).push(entry);
    });
    // Like S3: allowed keys are deleted, each refused key is reported in the result's <Error> list.
    if (permitted.length === 0) {
      const xml =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${deleteErrorsXml(refused)}</DeleteResult>`;
      res.writeHead(200, {
        ...responseHeaders,
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(xml),
      });
      res.end(xml);
      return;
    }
    let forwardedBody = body;
    if (refused.length > 0) {
      forwardedBody = Buffer.from(deleteRequestXml({ quiet: request.quiet, entries: permitted }), 'utf8');
      for (const name of Object.keys(headers)) {
        if (name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm')
          delete headers[name];
      }
      headers['content-md5'] = createHash('md5').update(forwardedBody).digest('base64');
    }
    const errors = deleteErrorsXml(refused);
    await forward(
      req,
      res,
      { path, headers: withBody(headers, forwardedBody), body: forwardedBody },
      responseHeaders,
      refused.length > 0
        ? { transformXml: (xml) => xml.replace(/<\/DeleteResult>\s*$/, `${errors}</DeleteResult>`) }
        : {},
    );
  }

  const server = createServer((req, res) => {
    handle(req, res, false).catch(() => res.destroy());
  });
  // Answer refusals before the client sends a large body, as S3 does with Expect: 100-continue.
  server.on('checkContinue', (req, res) => {
    handle(req, res, true).catch(() => res.destroy());
  });
  const port = await listen(server, host, options.port ?? 0, 'the local S3 gateway');
  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      await closeServer(server);
      agent.destroy();
      admin.destroy();
    },
  };
}

function withBody(headers: OutgoingHttpHeaders, body: Buffer): OutgoingHttpHeaders {
  return { ...headers, 'content-length': String(body.length) };
}

/** The request's headers as moto should see them: no authentication, no chunk framing. */
function forwardHeaders(
  incoming: IncomingHttpHeaders,
  verified: VerifiedSignature,
  decodedFromChunks: boolean,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || NOT_FORWARDED.has(name) || name.startsWith('proxy-'))
      continue;
    headers[name] = value;
  }
  // moto (auth off) checks no signature, but treats a request without Authorization as anonymous
  // and applies object ACLs to it (403 on reads). The request was verified here: say who we are.
  headers.authorization = UPSTREAM_AUTHORIZATION;
  // Presigned x-amz-* parameters (checksums, metadata) apply like headers: hand them to moto as such.
  for (const [name, value] of verified.amzParameters) {
    if (!NOT_FORWARDED.has(name) && headers[name] === undefined) headers[name] = value;
  }
  if (decodedFromChunks) {
    const encodings = String(headers['content-encoding'] ?? '')
      .split(',')
      .map((encoding) => encoding.trim())
      .filter((encoding) => encoding !== '' && encoding !== 'aws-chunked');
    if (encodings.length > 0) headers['content-encoding'] = encodings.join(', ');
    else delete headers['content-encoding'];
  }
  return headers;
}

/**
 * The path moto gets: the bucket and key that were authorized, re-encoded unambiguously, so moto
 * cannot decode the client's spelling of the path into a different key than the policy saw.
 */
function upstreamPath(bucket: string, key: string | undefined): string {
  const encode = (value: string) => value.split('/').map(encodeURIComponent).join('/');
  return `/${encodeURIComponent(bucket)}${key === undefined ? '' : `/${encode(key)}`}`;
}

/**
 * S3 stores an object's checksum whenever an `x-amz-checksum-{algorithm}` value comes with it; moto
 * only when `x-amz-sdk-checksum-algorithm` names the algorithm too. Name it, so a checksum the
 * uploader sent (and the gateway verified) is returned by HeadObject/GetObject as S3 would.
 */
function nameChecksumAlgorithm(headers: OutgoingHttpHeaders): void {
  if (headers['x-amz-sdk-checksum-algorithm'] !== undefined) return;
  const algorithms = Object.keys(headers)
    .filter((name) => /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.test(name))
    .map((name) => name.slice('x-amz-checksum-'.length).toUpperCase());
  if (algorithms.length === 1) headers['x-amz-sdk-checksum-algorithm'] = algorithms[0];
}

/**
 * The query moto gets: the S3 parameters only (no signature, no hoisted headers), re-encoded from
 * the decoded values the policy judged, so storage cannot read them differently (`+`, odd escapes).
 */
function forwardQuery(query: readonly QueryParameter[]): string {
  const kept = query.filter(
    (parameter) => !PRESIGN_PARAMETER_SET.has(parameter.name) && !/^x-amz-/i.test(parameter.name),
  );
  const encoded = kept.map(({ name, value, raw }) =>
    raw.includes('=') ? `${encodeURIComponent(name)}=${encodeURIComponent(value)}` : encodeURIComponent(name),
  );
  return encoded.length === 0 ? '' : `?${encoded.join('&')}`;
}

function copyResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    // moto answers CORS for everything; the gateway applies the bucket's rules itself.
    if (
      value === undefined ||
      name.startsWith('access-control-') ||
      (HOP_BY_HOP.has(name) && name !== 'content-length')
    ) {
      continue;
    }
    headers[name] = value;
  }
  return headers;
}

async function respondError(
  req: IncomingMessage,
  res: ServerResponse,
  error: S3Error,
  id: string,
  cors: Record<string, string>,
  /** `not-sent`: the client waits for 100-continue, so the body never comes on this connection. */
  body: 'read' | 'not-sent' | 'unread',
): Promise<void> {
  const xml = req.method === 'HEAD' ? '' : errorXml(error, id);
  const headers: OutgoingHttpHeaders = {
    ...cors,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amz-request-id': id,
  };
  if (body === 'not-sent' && !req.complete) headers.connection = 'close';
  if (body === 'unread' && !req.complete) {
    // The client may still be sending: drain a modest body so it reads our answer instead of a
    // reset connection; a larger one gets the answer and the connection closed.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared <= DRAIN_LIMIT_BYTES) {
      await new Promise<void>((resolve) => {
        req.on('end', resolve);
        req.on('close', resolve);
        req.on('error', () => resolve());
        req.resume();
      });
    } else {
      headers.connection = 'close';
    }
  }
  if (res.destroyed) return;
  res.writeHead(error.status, headers);
  res.end(xml);
}
