/**
 * The connection to moto: forwarding a rebuilt request and relaying moto's answer to the client
 * (its connection headers and CORS dropped; some answers refused, rewritten or read on the way),
 * the HEAD of one key that copy preconditions need, and the tags of one object that a policy reads.
 */
import {
  type Agent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { Readable } from 'node:stream';
import { S3Error } from './errors';
import { upstreamPath } from './paths';
import { parseTaggingXml, type TagSet } from './tagging';

/** A well-formed placeholder: moto never checks it, and it carries no secret. */
export const UPSTREAM_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local-gateway/20000101/us-east-1/s3/aws4_request, SignedHeaders=host, ' +
  `Signature=${'0'.repeat(64)}`;

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

export interface UpstreamTarget {
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  /** Verified bytes: in memory, or a stream of a spooled file. */
  readonly body?: Buffer | { readonly stream: Readable; readonly length: number };
}

export interface ForwardOptions {
  /** An S3 error to answer instead of moto's status (e.g. 404 hidden as 403). */
  readonly refuse?: (status: number) => S3Error | undefined;
  /** Rewrites a successful answer's headers (response overrides, stored content type). */
  readonly rewriteHeaders?: (headers: OutgoingHttpHeaders) => void;
  /** Rewrites a (small) successful XML answer; may also just read it. */
  readonly transformXml?: (xml: string) => string;
}

/** The client's side of a forwarded request: its method, where to answer, and headers to add. */
export interface Client {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly responseHeaders: Readonly<Record<string, string>>;
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

const unreachable = (error: Error) =>
  new S3Error(
    503,
    'ServiceUnavailable',
    'Please reduce your request rate.',
    {},
    `moto unreachable: ${error.message}`,
  );

export class Moto {
  /** @param url moto's base URL; with a Unix-socket agent, only its host is used (the Host header). */
  constructor(
    private readonly url: URL,
    private readonly agent: Agent,
  ) {}

  /** Forwards to moto and streams the answer back; resolves with moto's status. */
  forward(client: Client, target: UpstreamTarget, options: ForwardOptions = {}): Promise<number> {
    const { body } = target;
    const headers: OutgoingHttpHeaders = { ...target.headers };
    if (body !== undefined || !['GET', 'HEAD'].includes(client.req.method ?? 'GET')) {
      headers['content-length'] = String(body?.length ?? 0);
    }
    return new Promise((resolve, reject) => {
      const upstreamRequest = httpRequest(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: client.req.method,
          path: target.path,
          // moto's own address: an IP host is always path-style, so moto cannot read a bucket out
          // of a client-chosen Host (virtual-hosted style) and act on another key than authorized.
          headers: { ...headers, host: this.url.host },
        },
        (answer) => relay(answer, client, options).then(resolve, reject),
      );
      upstreamRequest.on('error', (error) => reject(unreachable(error)));
      if (body === undefined || Buffer.isBuffer(body)) {
        upstreamRequest.end(body);
      } else {
        body.stream.on('error', (error) => upstreamRequest.destroy(error));
        body.stream.pipe(upstreamRequest);
      }
    });
  }

  /** moto's answer to a HEAD of one key (or one version of it): its status and ETag. */
  async head(bucket: string, key: string, versionId?: string): Promise<{ status: number; etag?: string }> {
    const { status, headers } = await this.ask(
      'HEAD',
      upstreamPath(bucket, key) + versionQuery('?', versionId),
    );
    const etag = headers.etag;
    return { status, ...(typeof etag === 'string' ? { etag } : {}) };
  }

  /**
   * One object's tags (GetObjectTagging); none for a missing object or version. With `ifMatch`
   * (an ETag), only that object's: undefined when the key holds another one now (moto's 412).
   */
  async tags(bucket: string, key: string, versionId?: string): Promise<TagSet>;
  async tags(
    bucket: string,
    key: string,
    versionId: string | undefined,
    ifMatch: string,
  ): Promise<TagSet | undefined>;
  async tags(bucket: string, key: string, versionId?: string, ifMatch?: string): Promise<TagSet | undefined> {
    const path = `${upstreamPath(bucket, key)}?tagging${versionQuery('&', versionId)}`;
    const { status, body } = await this.ask(
      'GET',
      path,
      ifMatch === undefined ? {} : { 'if-match': ifMatch },
    );
    if (status === 404) return new Map();
    if (status === 412 && ifMatch !== undefined) return undefined;
    if (status !== 200)
      throw new S3Error(
        503,
        'ServiceUnavailable',
        'Please reduce your request rate.',
        {},
        `moto answered GetObjectTagging with ${status}`,
      );
    return parseTaggingXml(body);
  }

  /** A small request of the gateway's own to moto; resolves with the whole answer. */
  private ask(
    method: string,
    path: string,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          // As for every forwarded request: moto applies object ACLs to an anonymous one.
          headers: { ...extraHeaders, host: this.url.host, authorization: UPSTREAM_AUTHORIZATION },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      request.on('error', (error) => reject(unreachable(error)));
      request.end();
    });
  }
}

/** `versionId=…` after `separator`, or nothing without a version. */
function versionQuery(separator: '?' | '&', versionId: string | undefined): string {
  return versionId === undefined ? '' : `${separator}versionId=${encodeURIComponent(versionId)}`;
}

/** Passes moto's answer to the client as `options` say; resolves with its status once sent. */
function relay(answer: IncomingMessage, client: Client, options: ForwardOptions): Promise<number> {
  const { res, responseHeaders } = client;
  const { transformXml, refuse, rewriteHeaders } = options;
  return new Promise((resolve, reject) => {
    const status = answer.statusCode ?? 502;
    const refusal = refuse?.(status);
    if (refusal) {
      answer.resume();
      reject(refusal);
      return;
    }
    const headers = copyResponseHeaders(answer.headers);
    if (status < 300) rewriteHeaders?.(headers);
    answer.on('error', reject);
    if (transformXml && status === 200) {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.from(transformXml(Buffer.concat(chunks).toString('utf8')), 'utf8');
        res.writeHead(status, { ...headers, ...responseHeaders, 'content-length': String(body.length) });
        res.end(body);
        resolve(status);
      });
      return;
    }
    res.writeHead(status, { ...headers, ...responseHeaders });
    answer.pipe(res);
    answer.on('end', () => resolve(status));
  });
}
