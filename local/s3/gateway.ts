/**
 * The local S3 gateway: a reverse proxy in front of moto's S3 (path-style `/{bucket}/{key}`) that
 * does for every request what S3 and IAM do before touching data: verify the SigV4 signature
 * (header-signed or presigned), resolve the credentials to their Cognito identity, evaluate the
 * identity's role policy (and the bucket's, with the object's tags where it reads them) with the IAM
 * policy engine, verify the body (payload hash, aws-chunked
 * trailers, Content-MD5, flexible checksums), and only then forward to moto. Refusals are S3's own
 * XML errors. Browser CORS (preflight and response headers) follows the bucket's CORS rules.
 *
 * Each request is parsed once, strictly, and what moto gets is REBUILT from that parsed form:
 * the authorized bucket and key, S3 parameters from the parsed query, headers from an allow-list
 * of parsed values, XML bodies re-serialized. moto never sees the client's bytes where it could
 * read them differently (a second copy of a parameter, a form body, a DTD), and upload IDs are
 * bound to the key they were created for.
 *
 * This file is the dispatcher: it starts the server, takes each request through those steps once
 * and hands it to its operation family (objects.ts, copy.ts, multipart.ts, batch-delete.ts,
 * tagging.ts), a write in its key's turn (writes.ts). Authorization is authorize.ts; the rebuilt request,
 * forwarding.ts; moto's connection, upstream.ts; bodies, receive-body.ts; CORS, bucket-cors.ts.
 *
 * Never logged: credentials, session tokens, signatures, query strings (presigned URLs).
 */
import { randomBytes } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { CORSRule } from '@aws-sdk/client-s3';
import type { CredentialStore } from '../core/credential-store';
import type { ResourcePolicyDocument } from '../core/policy-engine';
import { headerValue, parseQuery, type SignedRequest } from '../core/signed-request';
import { verifySignature } from '../core/sigv4-verify';
import { closeServer, LOOPBACK, listen } from '../stack/ports';
import { authorizeAll, type Principal, sessionConditions } from './authorize';
import { deleteObjects } from './batch-delete';
import { BucketCors } from './bucket-cors';
import type { Exchange, GatewayContext } from './context';
import { copiedTagChecks, copyObject } from './copy';
import type { CorsRequest } from './cors';
import { asS3Error, respondError, S3Error } from './errors';
import { forwardHeaders, forwardQuery, nameChecksumAlgorithm } from './forwarding';
import { JudgedObjects } from './judged-objects';
import {
  abortMultipartUpload,
  checkUploadBinding,
  completeMultipartUpload,
  createMultipartUpload,
} from './multipart';
import { checkContinuationToken, forwardAsParsed, getObject, listObjectsV2 } from './objects';
import { resolveOperation } from './operations';
import { parsePath, upstreamPath } from './paths';
import { PayloadVerifier } from './payload';
import { BodyReceiver } from './receive-body';
import { putObjectTagging } from './tagging';
import { UploadRegistry } from './uploads';
import { Moto } from './upstream';
import { KeyWrites, type StorageWrite } from './writes';

export type { StorageWrite } from './writes';

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
  /**
   * A bucket's policy, evaluated with every request on it beside the caller's role policy (asked
   * per request, so it can be set once the bucket exists). @default none
   */
  readonly bucketPolicy?: (bucket: string) => ResourcePolicyDocument | undefined;
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
  /** Called once a request is authorized, before anything reaches moto: tests change storage here. */
  readonly afterAuthorize?: (operation: {
    readonly name: string;
    readonly bucket: string;
    readonly key?: string;
  }) => Promise<void>;
}

export interface S3Gateway {
  /** Base URL for `endpoint` / `--endpoint-url` / `AWS_ENDPOINT_URL_S3` (path-style by itself). */
  readonly url: string;
  readonly port: number;
  /** Body bytes held in memory and on disk, now and at most at once (for tests and diagnostics). */
  bodyStats(): { memoryInUse: number; memoryPeak: number; spoolInUse: number; spoolPeak: number };
  /**
   * Runs `work` in `key`'s write turn: no write to that key (put, copy, multipart completion,
   * delete; DeleteObjects excepted) reaches moto until it ends. In process only, not an S3 operation: the local scanner
   * checks an object's ETag and tags it in one turn, so no overwrite lands between the two. `work`
   * must not itself write that key through the gateway (it would wait for its own turn).
   */
  inKeyTurn<T>(bucket: string, key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One request as it arrived, split once before anything is parsed. */
interface Incoming {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly id: string;
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  /** The client waits for 100-continue before it sends the body. */
  readonly expectsContinue: boolean;
}

/** How far a request got: what its log line and its refusal need to know. */
interface Progress {
  bucket?: string;
  described: string;
  bodyRead: boolean;
  /** Gives back the body's budget and file, once the answer is sent. */
  release: () => Promise<void>;
}

/** The request as CORS sees it: its Origin and method (nothing without an Origin). */
function corsRequest({ req, method }: Incoming): CorsRequest | undefined {
  const origin = req.headers.origin;
  return origin ? { origin, method } : undefined;
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** The gateway's shared state, from its options (the spool directory is created here). */
async function openContext(options: S3GatewayOptions, agent: Agent): Promise<GatewayContext> {
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const onEvent = options.onEvent ?? (() => {});
  const moto = new Moto(new URL(options.upstream), agent);
  const bodies = await BodyReceiver.open({
    maxBodyBytes: options.maxBodyBytes ?? 512 * 1024 * 1024,
    spoolBudgetBytes: options.spoolBudgetBytes ?? 2 * 1024 * 1024 * 1024,
    memoryBudgetBytes: options.memoryBudgetBytes ?? 32 * 1024 * 1024,
  });
  const cors = new BucketCors({
    region,
    upstream: options.upstream,
    agent,
    rules: options.corsRules,
    cacheMs: (options.corsCacheSeconds ?? 5) * 1000,
    now,
    log,
  });
  const uploads = new UploadRegistry(options.maxUploads);
  const writes = new KeyWrites(onEvent);
  const bucketPolicy = options.bucketPolicy ?? (() => undefined);
  return {
    store: options.store,
    bucketPolicy,
    region,
    now,
    log,
    moto,
    cors,
    bodies,
    uploads,
    writes,
    onEvent,
    ...(options.afterAuthorize ? { afterAuthorize: options.afterAuthorize } : {}),
  };
}

export async function startS3Gateway(options: S3GatewayOptions): Promise<S3Gateway> {
  const host = options.host ?? LOOPBACK;
  const agent = options.upstreamAgent ?? new Agent({ keepAlive: true });
  const ctx = await openContext(options, agent);
  const { bodies } = ctx;
  const server = createServer((req, res) => {
    handle(ctx, req, res, false).catch(() => res.destroy());
  });
  // Answer refusals before the client sends a large body, as S3 does with Expect: 100-continue.
  server.on('checkContinue', (req, res) => {
    handle(ctx, req, res, true).catch(() => res.destroy());
  });
  let port: number;
  try {
    port = await listen(server, host, options.port ?? 0, 'the local S3 gateway');
  } catch (error) {
    await bodies.close();
    throw error;
  }
  return {
    url: `http://${host}:${port}`,
    port,
    bodyStats: () => bodies.stats(),
    inKeyTurn: (bucket, key, work) => ctx.writes.inKeyTurn(bucket, key, work),
    close: async () => {
      await closeServer(server);
      // A shared agent (moto's socket) belongs to whoever passed it in.
      if (!options.upstreamAgent) agent.destroy();
      ctx.cors.close();
      await bodies.close();
    },
  };
}

async function handle(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  expectsContinue: boolean,
): Promise<void> {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const method = (req.method ?? 'GET').toUpperCase();
  const incoming: Incoming = { req, res, id: requestId(), method, rawPath, rawQuery, expectsContinue };
  const progress: Progress = {
    described: `${method} ${rawPath.split('/')[1] ?? ''}`,
    bodyRead: false,
    release: async () => {},
  };
  try {
    if (method === 'OPTIONS') {
      await ctx.cors.preflight(req, res, incoming.id, rawPath);
      return;
    }
    const exchange = await prepare(ctx, incoming, progress);
    await ctx.afterAuthorize?.(exchange.operation);
    // A write to one key waits for the one before it, as S3 applies them one after the other.
    const status = await ctx.writes.perform(exchange.operation, () => route(ctx, exchange));
    ctx.log(`s3: ${progress.described} ${status}`);
  } catch (error) {
    await refuse(ctx, incoming, progress, error);
  } finally {
    await progress.release();
  }
}

/**
 * Takes a request through every check S3 makes before touching data: parsed once, signature
 * verified, resolved to its operation, authorized, rebuilt for moto, and its body received and
 * verified. Throws the refusal of the first check that fails.
 */
async function prepare(ctx: GatewayContext, incoming: Incoming, progress: Progress): Promise<Exchange> {
  const { req, res, method, rawPath } = incoming;
  progress.bucket = parsePath(rawPath).bucket;
  const query = parseQuery(incoming.rawQuery);
  const signed: SignedRequest = { method, rawPath, query, headers: req.headersDistinct };
  const verified = await verifySignature(signed, { store: ctx.store, region: ctx.region, now: ctx.now() });
  const operation = resolveOperation({ method, rawPath, query, amzParameters: verified.amzParameters });
  progress.described = `${operation.name} ${operation.bucket}${operation.key === undefined ? '' : `/${operation.key}`}`;
  const conditions = sessionConditions(verified, ctx.region, ctx.now(), req.socket.remoteAddress ?? LOOPBACK);
  // The objects a policy reads the tags of, each read once, with the ETag reads are then held to.
  const judged = new JudgedObjects(ctx.moto);
  const principal: Principal = {
    store: ctx.store,
    verified,
    conditions,
    bucketPolicy: ctx.bucketPolicy,
    objectTags: judged.tags,
  };
  await authorizeAll(principal, [...operation.checks, ...(await copiedTagChecks(principal, operation))]);
  const headers = forwardHeaders(signed, verified, operation);
  // What must hold before any body is read: bound upload IDs, an XML type, a token moto issued.
  checkUploadBinding(ctx.uploads, operation);
  ctx.bodies.checkContentType(operation, signed);
  checkContinuationToken(operation);

  const verifier = new PayloadVerifier({
    contentSha256: verified.contentSha256,
    header: (name) => headerValue(signed, name),
    amzParameters: verified.amzParameters,
    checksumsDescribeBody: operation.checksumsDescribeBody,
  });
  const body = await ctx.bodies.receive(req, res, operation, verifier, incoming.expectsContinue);
  progress.release = body.release;
  progress.bodyRead = true;

  const cors = await ctx.cors.headers(progress.bucket, corsRequest(incoming));
  const trailerChecksum = body.summary.trailerChecksum;
  if (trailerChecksum) headers[trailerChecksum[0]] = trailerChecksum[1];
  if (operation.checksumsDescribeBody) nameChecksumAlgorithm(headers);
  const path = upstreamPath(operation.bucket, operation.key) + forwardQuery(operation.parameters);
  const responseHeaders = { ...cors, 'x-amz-request-id': incoming.id };
  return { req, res, operation, principal, judged, target: { path, headers }, responseHeaders, body };
}

/** Hands an authorized request to its operation family; resolves with the status sent. */
function route(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  switch (exchange.operation.name) {
    case 'GetObject':
    case 'HeadObject':
    case 'GetObjectTagging':
      return getObject(ctx, exchange);
    case 'PutObjectTagging':
      return putObjectTagging(ctx, exchange);
    case 'ListObjectsV2':
      return listObjectsV2(ctx, exchange);
    case 'CopyObject':
      return copyObject(ctx, exchange);
    case 'CreateMultipartUpload':
      return createMultipartUpload(ctx, exchange);
    case 'CompleteMultipartUpload':
      return completeMultipartUpload(ctx, exchange);
    case 'AbortMultipartUpload':
      return abortMultipartUpload(ctx, exchange);
    case 'DeleteObjects':
      return deleteObjects(ctx, exchange);
    default:
      return forwardAsParsed(ctx, exchange);
  }
}

/** Logs a failed request and answers it as S3 would (unless moto's answer had already begun). */
async function refuse(
  ctx: GatewayContext,
  incoming: Incoming,
  progress: Progress,
  error: unknown,
): Promise<void> {
  const { req, res } = incoming;
  const failure = asS3Error(error);
  if (!(error instanceof S3Error))
    ctx.log(`s3: ${progress.described} failed: ${error instanceof Error ? error.name : typeof error}`);
  ctx.log(
    `s3: ${progress.described} ${failure.status} ${failure.code}${failure.note ? ` (${failure.note})` : ''}`,
  );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  let cors: Record<string, string> = {};
  try {
    cors = await ctx.cors.headers(progress.bucket, corsRequest(incoming));
  } catch {
    // CORS headers are a courtesy on errors.
  }
  const body = progress.bodyRead ? 'read' : incoming.expectsContinue ? 'not-sent' : 'unread';
  await respondError(req, res, failure, incoming.id, cors, body);
}
