/**
 * Each bucket's CORS rules, as the gateway applies them (see cors.ts for the matching): read from
 * moto with GetBucketCors and cached briefly (or fixed by the gateway's options), the headers an
 * actual request's response gets, and the answer to a preflight.
 */
import type { Agent, IncomingMessage, ServerResponse } from 'node:http';
import { type CORSRule, GetBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { type CorsRequest, corsResponseHeaders, matchCorsRule, parseRequestHeaders } from './cors';
import { S3Error } from './errors';
import { parsePath } from './paths';

const MAX_CORS_CACHE_ENTRIES = 256;

export interface BucketCorsOptions {
  readonly region: string;
  /** moto's base URL. */
  readonly upstream: string;
  readonly agent: Agent;
  /** Rules for every bucket, instead of each bucket's own. */
  readonly rules?: readonly CORSRule[];
  readonly cacheMs: number;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export class BucketCors {
  private readonly cache = new Map<string, { rules: readonly CORSRule[]; at: number }>();
  private readonly admin: S3Client;

  constructor(private readonly options: BucketCorsOptions) {
    // moto runs with auth off: the admin client's key is never checked, only needed to sign at all.
    this.admin = new S3Client({
      region: options.region,
      endpoint: options.upstream,
      forcePathStyle: true,
      credentials: { accessKeyId: 'local-gateway', secretAccessKey: 'local-gateway' },
      requestHandler: { httpAgent: options.agent },
    });
  }

  private async rules(bucket: string): Promise<readonly CORSRule[]> {
    const { options } = this;
    if (options.rules) return options.rules;
    const cached = this.cache.get(bucket);
    if (cached && options.now() - cached.at < options.cacheMs) return cached.rules;
    let rules: readonly CORSRule[] = [];
    try {
      rules = (await this.admin.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
    } catch {
      // NoSuchCORSConfiguration or NoSuchBucket: no CORS, which is what S3 answers then too.
    }
    // Bounded: a client can name any bucket, and each unknown name is cached as "no CORS".
    if (this.cache.size >= MAX_CORS_CACHE_ENTRIES) this.cache.clear();
    this.cache.set(bucket, { rules, at: options.now() });
    return rules;
  }

  /** The CORS headers of an actual request's response (none without an Origin or a matching rule). */
  async headers(
    bucket: string | undefined,
    request: CorsRequest | undefined,
  ): Promise<Record<string, string>> {
    if (!bucket || !request) return {};
    const rule = matchCorsRule(await this.rules(bucket), request);
    return rule ? corsResponseHeaders(rule, request, false) : {};
  }

  /** Answers an OPTIONS preflight as S3 does; throws S3's refusal when no rule allows it. */
  async preflight(req: IncomingMessage, res: ServerResponse, id: string, rawPath: string): Promise<void> {
    const origin = req.headers.origin;
    const method = req.headers['access-control-request-method'];
    if (!origin || !method) {
      throw new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
    }
    const { bucket } = parsePath(rawPath);
    if (!bucket) throw new S3Error(403, 'AccessForbidden', 'CORSResponse: Bucket not found');
    const rules = await this.rules(bucket);
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
    this.options.log(`s3: OPTIONS ${bucket} 200`);
  }

  close(): void {
    this.admin.destroy();
  }
}
