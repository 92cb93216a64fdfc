/**
 * The local S3 gateway: a reverse proxy in front of moto's S3 (path-style `/{bucket}/{key}`) that
 * does for every request what S3 and IAM do before touching data: verify the SigV4 signature
 * (header-signed or presigned), resolve the credentials to their Cognito identity, evaluate the
 * identity's role policy with the IAM policy engine, verify the body (payload hash, aws-chunked
 * trailers, Content-MD5, flexible checksums), and only then forward to moto. Refusals are S3's own
 * XML errors. Browser CORS (preflight and response headers) follows the bucket's CORS rules.
 *
 * Each request is parsed once, strictly, and what moto gets is REBUILT from that parsed form:
 * the authorized bucket and key, S3 parameters from the parsed query, headers from an allow-list
 * of parsed values, XML bodies re-serialized. moto never sees the client's bytes where it could
 * read them differently (a second copy of a parameter, a form body, a DTD), and upload IDs are
 * bound to the key they were created for.
 *
 * Never logged: credentials, session tokens, signatures, query strings (presigned URLs).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type CORSRule, GetBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import type { CredentialStore } from '../core/credential-store';
import { isAllowed } from '../core/policy-engine';
import {
  headerValue,
  parseQuery,
  type SignedRequest,
  type VerifiedSignature,
  verifySignature,
} from '../core/sigv4-verify';
import { closeServer, LOOPBACK, listen } from '../stack/ports';
import {
  ByteBudget,
  entityTooLarge,
  receiveAndDiscard,
  receiveToFile,
  receiveToMemory,
  type SpooledBody,
  slowDown,
} from './body';
import { type CorsRequest, corsResponseHeaders, matchCorsRule, parseRequestHeaders } from './cors';
import { accessDenied, errorXml, S3Error } from './errors';
import {
  type AuthorizationCheck,
  bucketArn,
  completeRequestXml,
  copySourceHeader,
  type DeleteEntry,
  deleteEntryCheck,
  deleteErrorsXml,
  deleteRequestXml,
  encodeKey,
  parseCompleteRequest,
  parseDeleteRequest,
  parsePath,
  type ResolvedOperation,
  resolveOperation,
} from './operations';
import { type PayloadSummary, PayloadVerifier } from './payload';
import { UploadRegistry } from './uploads';

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
  /** Largest request body accepted. @default 536870912 (512 MiB) */
  readonly maxBodyBytes?: number;
  /**
   * Disk shared by all object bodies being verified at once (spooled to a private temp directory
   * before moto gets them); past it, 503 SlowDown. @default 2147483648 (2 GiB)
   */
  readonly spoolBudgetBytes?: number;
  /** Memory shared by all XML bodies being parsed at once; past it, 503 SlowDown. @default 33554432 (32 MiB) */
  readonly memoryBudgetBytes?: number;
  /** Multipart upload IDs remembered (bound to their key) at once. @default 10000 */
  readonly maxUploads?: number;
  /** One line per request: operation, bucket, key, outcome. @default silent */
  readonly log?: (line: string) => void;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
  /**
   * Called after each successful write, copy, multipart completion and delete, in completion order:
   * what the bucket's event notifications report (see local/storage-events/delivery.ts).
   */
  readonly onEvent?: (event: StorageWrite) => void;
}

export interface StorageWrite {
  readonly name: (typeof EVENT_NAMES)[keyof typeof EVENT_NAMES];
  readonly bucket: string;
  readonly key: string;
}

const EVENT_NAMES = {
  PutObject: 'ObjectCreated:Put',
  CopyObject: 'ObjectCreated:Copy',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
  DeleteObject: 'ObjectRemoved:Delete',
} as const;

export interface S3Gateway {
  /** Base URL for `endpoint` / `--endpoint-url` / `AWS_ENDPOINT_URL_S3` (path-style by itself). */
  readonly url: string;
  readonly port: number;
  /** Body bytes held in memory and on disk, now and at most at once (for tests and diagnostics). */
  bodyStats(): { memoryInUse: number; memoryPeak: number; spoolInUse: number; spoolPeak: number };
  close(): Promise<void>;
}

const MAX_CORS_CACHE_ENTRIES = 256;
/** Request bodies up to this size are read and dropped before an early refusal, so clients see it. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
/** The largest XML body S3 takes (1,000 delete keys or 10,000 parts fit well within it). */
const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;
/** Response headers that describe moto's connection, not the object. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
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
  // Rebuilt from the parsed source that was authorized.
  'x-amz-copy-source',
]);
/**
 * Where the content type of an object is kept when it is a form type: moto parses such bodies as
 * forms (altering the stored bytes and reading parameters from them), so it gets a neutral type
 * and this metadata, which the gateway turns back into Content-Type on reads and never shows.
 */
const STORED_CONTENT_TYPE = 'x-amz-meta-local-gateway-content-type';
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
/** Content types an XML request body may declare (none at all is fine too). */
const XML_TYPES = new Set(['application/xml', 'text/xml']);
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
  'response-content-language': 'content-language',
  'response-content-type': 'content-type',
  'response-expires': 'expires',
};
/** moto's continuation tokens: the MD5 (hex) of the last key listed. */
const CONTINUATION_TOKEN = /^[0-9a-f]{32}$/;
/** A well-formed placeholder: moto never checks it, and it carries no secret. */
const UPSTREAM_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local-gateway/20000101/us-east-1/s3/aws4_request, SignedHeaders=host, ' +
  `Signature=${'0'.repeat(64)}`;

const invalidContinuationToken = () =>
  new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', {
    ArgumentName: 'continuation-token',
  });

/** `type/subtype`, lowercase, without parameters. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** What a request's body is to the gateway: object bytes, an XML document to rebuild, or nothing. */
function bodyKind(operation: ResolvedOperation): 'object' | 'xml' | 'none' {
  switch (operation.name) {
    case 'PutObject':
    case 'UploadPart':
      return 'object';
    case 'DeleteObjects':
    case 'CompleteMultipartUpload':
      return 'xml';
    default:
      return 'none';
  }
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
  const spoolBudget = new ByteBudget(options.spoolBudgetBytes ?? 2 * 1024 * 1024 * 1024);
  const memoryBudget = new ByteBudget(options.memoryBudgetBytes ?? 32 * 1024 * 1024);
  const uploads = new UploadRegistry(options.maxUploads);
  // Private to this process's user (mkdtemp creates it 0700): bodies wait here until verified.
  const spoolDirectory = await mkdtemp(join(tmpdir(), 'local-s3-gateway-'));

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

  interface UpstreamTarget {
    readonly path: string;
    readonly headers: OutgoingHttpHeaders;
    /** Verified bytes: in memory, or a stream of a spooled file. */
    readonly body?: Buffer | { readonly stream: Readable; readonly length: number };
  }

  interface ForwardOptions {
    /** An S3 error to answer instead of moto's status (e.g. 404 hidden as 403). */
    readonly refuse?: (status: number) => S3Error | undefined;
    /** Rewrites a successful answer's headers (response overrides, stored content type). */
    readonly rewriteHeaders?: (headers: OutgoingHttpHeaders) => void;
    /** Rewrites a (small) successful XML answer; may also just read it. */
    readonly transformXml?: (xml: string) => string;
  }

  /** Forwards to moto and streams the answer back. */
  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: UpstreamTarget,
    responseHeaders: Record<string, string>,
    options: ForwardOptions = {},
  ): Promise<number> {
    const { transformXml, refuse, rewriteHeaders } = options;
    const { body } = target;
    const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.length;
    const headers: OutgoingHttpHeaders = { ...target.headers };
    if (body !== undefined || !['GET', 'HEAD'].includes(req.method ?? 'GET')) {
      headers['content-length'] = String(length);
    }
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
          headers: { ...headers, host: upstream.host },
        },
        (upstreamResponse) => {
          const status = upstreamResponse.statusCode ?? 502;
          const refusal = refuse?.(status);
          if (refusal) {
            upstreamResponse.resume();
            reject(refusal);
            return;
          }
          const headers = copyResponseHeaders(upstreamResponse.headers);
          if (status < 300) rewriteHeaders?.(headers);
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
      if (body === undefined || Buffer.isBuffer(body)) {
        upstreamRequest.end(body);
      } else {
        body.stream.on('error', (error) => upstreamRequest.destroy(error));
        body.stream.pipe(upstreamRequest);
      }
    });
  }

  /** moto's answer to a HEAD of one key: its status and ETag. */
  function upstreamHead(bucket: string, key: string): Promise<{ status: number; etag?: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          agent,
          host: upstream.hostname,
          port: upstream.port,
          method: 'HEAD',
          path: upstreamPath(bucket, key),
          // As for every forwarded request: moto applies object ACLs to an anonymous one.
          headers: { host: upstream.host, authorization: UPSTREAM_AUTHORIZATION },
        },
        (response) => {
          response.resume();
          const etag = response.headers.etag;
          resolve({ status: response.statusCode ?? 502, ...(typeof etag === 'string' ? { etag } : {}) });
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  /**
   * CopyObject's `If-None-Match: *` (no object at the target) and `x-amz-copy-source-if-match`
   * (the source still has that ETag), answered as S3 does with 412 PreconditionFailed. Checked just
   * before forwarding, so not atomic as S3's check is: it shows conditional copies, not races.
   */
  async function copyPreconditions(
    operation: ResolvedOperation,
    headers: OutgoingHttpHeaders,
  ): Promise<void> {
    const failed = (condition: string) =>
      new S3Error(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        {
          Condition: condition,
        },
      );
    const source = operation.copySource;
    const sourceMatch = headers['x-amz-copy-source-if-match'];
    if (source !== undefined && typeof sourceMatch === 'string') {
      const head = await upstreamHead(source.bucket, source.key);
      const unquote = (etag: string) => etag.replaceAll('"', '');
      if (head.status === 200 && unquote(head.etag ?? '') !== unquote(sourceMatch)) {
        throw failed('x-amz-copy-source-If-Match');
      }
    }
    if (headers['if-none-match'] === '*' && operation.key !== undefined) {
      if ((await upstreamHead(operation.bucket, operation.key)).status === 200) throw failed('If-None-Match');
    }
  }

  /**
   * Receives the body the way its operation needs it (see s3-body.ts), verified. Budgets are taken
   * before the body is read (and before 100-continue), and released by `release`.
   */
  async function receiveBody(
    req: IncomingMessage,
    res: ServerResponse,
    operation: ResolvedOperation,
    verifier: PayloadVerifier,
    expectsContinue: boolean,
  ): Promise<{
    summary: PayloadSummary;
    memory?: Buffer;
    spooled?: SpooledBody;
    release: () => Promise<void>;
  }> {
    const kind = bodyKind(operation);
    const limit = kind === 'xml' ? MAX_XML_BODY_BYTES : maxBodyBytes;
    const declared = req.headers['content-length'];
    const declaredLength = declared === undefined ? undefined : Number(declared);
    if (declaredLength !== undefined && declaredLength > limit) throw entityTooLarge(limit);
    // Without a Content-Length (chunked transfer), the worst case is reserved.
    const reserved = kind === 'none' ? 0 : (declaredLength ?? limit);
    const budget = kind === 'xml' ? memoryBudget : spoolBudget;
    if (!budget.reserve(reserved)) throw slowDown();
    let released = false;
    const releaseBudget = () => {
      if (!released) budget.release(reserved);
      released = true;
    };
    try {
      if (expectsContinue) res.writeContinue();
      if (kind === 'xml') {
        const { body, summary } = await receiveToMemory(req, verifier, limit);
        return { summary, memory: body, release: async () => releaseBudget() };
      }
      if (kind === 'object') {
        const spooled = await receiveToFile(req, verifier, { directory: spoolDirectory, limit });
        return {
          summary: spooled.summary,
          spooled,
          release: async () => {
            releaseBudget();
            await spooled.dispose();
          },
        };
      }
      const summary = await receiveAndDiscard(req, verifier, limit);
      return { summary, release: async () => releaseBudget() };
    } catch (error) {
      releaseBudget();
      throw error;
    }
  }

  /**
   * moto checks a conditional write (`If-None-Match: *` on PutObject, CopyObject or
   * CompleteMultipartUpload) and then writes, without a lock: two racing writers can both win, where
   * S3 lets exactly one. Writes to one key therefore reach moto one at a time.
   */
  const writing = new Map<string, Promise<unknown>>();
  function oneWriterAt<T>(lockKey: string, work: () => Promise<T>): Promise<T> {
    const run = (writing.get(lockKey) ?? Promise.resolve()).then(work, work);
    const settled = run.catch(() => undefined);
    writing.set(lockKey, settled);
    void settled.then(() => {
      if (writing.get(lockKey) === settled) writing.delete(lockKey);
    });
    return run;
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
    let release = async () => {};
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
      const headers = forwardHeaders(signed, verified, operation);
      checkRequest(operation, signed);

      const verifier = new PayloadVerifier({
        contentSha256: verified.contentSha256,
        header: (name) => headerValue(signed, name),
        amzParameters: verified.amzParameters,
        checksumsDescribeBody: operation.checksumsDescribeBody,
      });
      const received = await receiveBody(req, res, operation, verifier, expectsContinue);
      release = received.release;
      bodyRead = true;

      const corsRequest = origin ? { origin, method } : undefined;
      const responseHeaders = { ...(await corsHeaders(bucket, corsRequest)), 'x-amz-request-id': id };
      if (received.summary.trailerChecksum) {
        headers[received.summary.trailerChecksum[0]] = received.summary.trailerChecksum[1];
      }
      if (operation.checksumsDescribeBody) nameChecksumAlgorithm(headers);
      const path = upstreamPath(operation.bucket, operation.key) + forwardQuery(operation.parameters);
      const spooled = received.spooled;
      const objectBody = spooled ? { stream: spooled.open(), length: received.summary.length } : undefined;

      const eventName = EVENT_NAMES[operation.name as keyof typeof EVENT_NAMES];
      const send = async (): Promise<number> => {
        let status: number;
        switch (operation.name) {
          case 'DeleteObjects':
            status = await deleteObjects(
              req,
              res,
              operation,
              verified,
              context,
              received.memory,
              headers,
              path,
              responseHeaders,
            );
            break;
          case 'CompleteMultipartUpload': {
            const xml = completeRequestXml(parseCompleteRequest(received.memory ?? Buffer.alloc(0)));
            status = await forward(
              req,
              res,
              { path, headers: xmlHeaders(headers, xml, false), body: Buffer.from(xml) },
              responseHeaders,
            );
            if (status === 200) uploads.forget(operation.parameters.get('uploadId') ?? '');
            break;
          }
          case 'CreateMultipartUpload':
            status = await forward(req, res, { path, headers }, responseHeaders, {
              transformXml: (xml) => {
                const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1];
                if (uploadId !== undefined && operation.key !== undefined) {
                  uploads.record(unescapeXml(uploadId), operation.bucket, operation.key);
                }
                return xml;
              },
            });
            break;
          case 'AbortMultipartUpload':
            status = await forward(req, res, { path, headers }, responseHeaders);
            if (status === 204) uploads.forget(operation.parameters.get('uploadId') ?? '');
            break;
          case 'CopyObject':
            // moto ignores a copy's preconditions on the target and on the source; S3 honours both.
            await copyPreconditions(operation, headers);
            status = await forward(req, res, { path, headers }, responseHeaders);
            break;
          case 'ListObjectsV2':
            status = await forward(req, res, { path, headers }, responseHeaders, {
              // moto fails (500) on a token it never issued; S3 answers 400.
              refuse: (code) =>
                code === 500 && operation.parameters.has('continuation-token')
                  ? invalidContinuationToken()
                  : undefined,
            });
            break;
          case 'GetObject':
          case 'HeadObject': {
            // S3 answers a missing key with 404 only to a caller allowed s3:ListBucket on the bucket
            // (unconditioned: this check carries no s3:prefix); anyone else learns nothing, gets 403.
            const hideMissing = !(
              await authorize(
                verified,
                [{ action: 's3:ListBucket', resource: bucketArn(operation.bucket), context: {} }],
                context,
              )
            )[0];
            status = await forward(req, res, { path, headers }, responseHeaders, {
              refuse: (code) =>
                code === 404 && hideMissing
                  ? accessDenied('Access Denied', {}, 'missing key, and no s3:ListBucket to learn so')
                  : undefined,
              rewriteHeaders: (answer) => applyResponseOverrides(answer, operation.parameters),
            });
            break;
          }
          default:
            status = await forward(
              req,
              res,
              { path, headers, ...(objectBody ? { body: objectBody } : {}) },
              responseHeaders,
            );
        }
        // Inside the key's turn, so events are sequenced in the order the writes happened.
        if (eventName && operation.key !== undefined && status < 300) {
          options.onEvent?.({ name: eventName, bucket: operation.bucket, key: operation.key });
        }
        return status;
      };
      // A write to one key waits for the one before it, as S3 applies them one after the other.
      const status =
        eventName && operation.key !== undefined
          ? await oneWriterAt(`${operation.bucket}/${operation.key}`, send)
          : await send();
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
    } finally {
      await release();
    }
  }

  /** What must hold before any body is read: bound upload IDs, an XML type, a token moto issued. */
  function checkRequest(operation: ResolvedOperation, signed: SignedRequest): void {
    const uploadId = operation.parameters.get('uploadId');
    if (uploadId !== undefined && operation.key !== undefined) {
      uploads.check(uploadId, operation.bucket, operation.key);
    }
    if (bodyKind(operation) === 'xml') {
      const contentType = headerValue(signed, 'content-type');
      if (contentType !== undefined && !XML_TYPES.has(mediaType(contentType))) {
        throw new S3Error(400, 'InvalidArgument', `Content-Type ${mediaType(contentType)} is not XML.`, {
          ArgumentName: 'Content-Type',
        });
      }
    }
    const token = operation.parameters.get('continuation-token');
    if (token !== undefined && !CONTINUATION_TOKEN.test(token)) throw invalidContinuationToken();
  }

  async function deleteObjects(
    req: IncomingMessage,
    res: ServerResponse,
    operation: ResolvedOperation,
    verified: VerifiedSignature,
    context: Record<string, string | string[]>,
    body: Buffer | undefined,
    headers: OutgoingHttpHeaders,
    path: string,
    responseHeaders: Record<string, string>,
  ): Promise<number> {
    // Checked on the client's body (already verified); the body moto gets is rebuilt below.
    const hasIntegrity =
      headers['content-md5'] !== undefined ||
      Object.keys(headers).some((name) => name.startsWith('x-amz-checksum-'));
    if (!hasIntegrity) {
      throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
    }
    const request = parseDeleteRequest(body ?? Buffer.alloc(0));
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
      return 200;
    }
    // Exactly the keys that were authorized, re-serialized: never the client's bytes.
    const xml = deleteRequestXml({ quiet: request.quiet, entries: permitted });
    const errors = deleteErrorsXml(refused);
    const status = await forward(
      req,
      res,
      { path, headers: xmlHeaders(headers, xml, true), body: Buffer.from(xml, 'utf8') },
      responseHeaders,
      refused.length > 0
        ? { transformXml: (answer) => answer.replace(/<\/DeleteResult>\s*$/, `${errors}</DeleteResult>`) }
        : {},
    );
    if (status === 200) {
      for (const entry of permitted) {
        options.onEvent?.({ name: 'ObjectRemoved:Delete', bucket: operation.bucket, key: entry.key });
      }
    }
    return status;
  }

  const server = createServer((req, res) => {
    handle(req, res, false).catch(() => res.destroy());
  });
  // Answer refusals before the client sends a large body, as S3 does with Expect: 100-continue.
  server.on('checkContinue', (req, res) => {
    handle(req, res, true).catch(() => res.destroy());
  });
  let port: number;
  try {
    port = await listen(server, host, options.port ?? 0, 'the local S3 gateway');
  } catch (error) {
    await rm(spoolDirectory, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://${host}:${port}`,
    port,
    bodyStats: () => ({
      memoryInUse: memoryBudget.inUse,
      memoryPeak: memoryBudget.peak,
      spoolInUse: spoolBudget.inUse,
      spoolPeak: spoolBudget.peak,
    }),
    close: async () => {
      await closeServer(server);
      // A shared agent (moto's socket) belongs to whoever passed it in.
      if (!options.upstreamAgent) agent.destroy();
      admin.destroy();
      await rm(spoolDirectory, { recursive: true, force: true });
    },
  };
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => {
    const map: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    return map[name] ?? '';
  });
}

/**
 * Headers for a rebuilt XML body: its own type and MD5. DeleteObjects' checksums describe the
 * client's bytes, not the rebuilt ones, and are dropped; CompleteMultipartUpload's describe the
 * whole object and stay.
 */
function xmlHeaders(headers: OutgoingHttpHeaders, xml: string, bodyChecksums: boolean): OutgoingHttpHeaders {
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
 * The headers moto gets, built from an allow-list of the request's parsed values: standard headers
 * S3 acts on (each given once), the verified `x-amz-*` parameters, the authorized copy source, and
 * the object's content type where it is stored. Everything else stays here.
 */
function forwardHeaders(
  signed: SignedRequest,
  verified: VerifiedSignature,
  operation: ResolvedOperation,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const single = (name: string): string | undefined => {
    const values = signed.headers[name];
    if (values && values.length > 1) {
      throw new S3Error(400, 'InvalidArgument', `Header ${name} must be given once.`, { ArgumentName: name });
    }
    return values?.[0];
  };
  for (const name of FORWARDED_HEADERS) {
    const value = single(name);
    if (value !== undefined) headers[name] = value;
  }
  const contentType = single('content-type');
  const contentMd5 = single('content-md5');
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
  if (verified.contentSha256 !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(verified.contentSha256)) {
    // aws-chunked framing is removed here; moto gets the object bytes.
    const encodings = String(headers['content-encoding'] ?? '')
      .split(',')
      .map((encoding) => encoding.trim())
      .filter((encoding) => encoding !== '' && encoding !== 'aws-chunked');
    if (encodings.length > 0) headers['content-encoding'] = encodings.join(', ');
    else delete headers['content-encoding'];
  }
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
  if ((operation.name === 'PutObject' || operation.name === 'UploadPart') && contentMd5 !== undefined) {
    headers['content-md5'] = contentMd5;
  }
  // Only to tell whether the client sent one (S3 requires it); xmlHeaders replaces it.
  if (operation.name === 'DeleteObjects' && contentMd5 !== undefined) headers['content-md5'] = contentMd5;
  return headers;
}

/**
 * A successful read's headers as S3 sends them: the stored content type (see STORED_CONTENT_TYPE)
 * restored, then the signed `response-*` overrides applied.
 */
function applyResponseOverrides(headers: OutgoingHttpHeaders, parameters: ReadonlyMap<string, string>): void {
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

/**
 * The path moto gets: the bucket and key that were authorized, re-encoded unambiguously, so moto
 * cannot decode the client's spelling of the path into a different key than the policy saw.
 */
function upstreamPath(bucket: string, key: string | undefined): string {
  return `/${encodeURIComponent(bucket)}${key === undefined ? '' : `/${encodeKey(key)}`}`;
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
 * The query moto gets: the parsed S3 parameters the operation was resolved and authorized from
 * (no signature, no `x-amz-*`, no response overrides, which the gateway applies), re-encoded.
 */
function forwardQuery(parameters: ReadonlyMap<string, string>): string {
  const encoded: string[] = [];
  for (const [name, value] of parameters) {
    if (Object.hasOwn(RESPONSE_OVERRIDES, name)) continue;
    encoded.push(
      value === '' ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
    );
  }
  return encoded.length === 0 ? '' : `?${encoded.join('&')}`;
}

function copyResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    // moto answers CORS for everything; the gateway applies the bucket's rules itself.
    if (value === undefined || name.startsWith('access-control-') || HOP_BY_HOP.has(name)) continue;
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
