/**
 * The local stand-in for API Gateway (REST API, Lambda proxy integration, Cognito user-pools
 * authorizer). It answers what the deployed gateway answers by itself (unknown routes, CORS
 * preflight, missing or bad tokens, oversized bodies, integration failures) and hands everything
 * else, as a REST proxy event v1, to the very handler the stack deploys, in process.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CognitoJwtVerifier } from 'aws-jwt-verify/cognito-verifier';
import { FetchError } from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parse as parseYaml } from 'yaml';
import { GATEWAY_PROBLEMS, type GatewayProblem, rateLimitedProblem } from '../../lib/gateway-problems';
import { PROBLEM_TYPE_PREFIX } from '../../shared/domain/errors';
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_MAX_AGE_SECONDS } from '../../shared/http/cors';
import { readLimitedBody } from '../core/http-body';
import { loopbackJwksCache } from '../core/jwks';
import { closeServer, listen } from '../stack/ports';

export type LambdaProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

export interface ApiAdapterOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handler: LambdaProxyHandler;
  /**
   * The user pool whose ID tokens are accepted, from any of its app clients: the deployed Cognito
   * authorizer does not check `aud` either, so the handler's own app-client check is what is tested.
   */
  readonly userPoolId: string;
  readonly region: string;
  /** Where the user pool really lives (moto): its JWKS is `{endpoint}/{userPoolId}/.well-known/jwks.json`. */
  readonly userPoolEndpoint: string;
  /** As given to the stack: the first one goes on the gateway's own responses. */
  readonly allowedOrigins: readonly string[];
  /** The stage, first segment of every API path, as deployed. @default 'v1' */
  readonly stage?: string;
  /** The function's timeout; a slower invocation fails like a timed-out Lambda (502). @default 10000 */
  readonly functionTimeoutMs?: number;
  /** @default the repository's `openapi.yaml` */
  readonly specPath?: string;
  /** Receives one line per failed invocation (never tokens or URLs). @default console.error */
  readonly log?: (line: string) => void;
  /**
   * The per-user request limit the deployed stack's WAF enforces, here a token bucket per verified
   * `sub`: `burst` requests at once, refilled at `perSecond`. Past it: 429, a `rate_limited`
   * problem with `Retry-After`. `false`: no limit. Generous by default, so tests and `npm run load`
   * never meet it unless they mean to.
   * @default { perSecond: 100, burst: 500 }
   */
  readonly userRateLimit?: { readonly perSecond: number; readonly burst: number } | false;
  /** Clock for the rate limit, for tests. @default Date.now */
  readonly now?: () => number;
}

export interface ApiAdapter {
  /** The ApiUrl: `http://{host}:{port}/{stage}/`, ending in `/` like the deployed stack's output. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections; safe to call more than once. */
  close(): Promise<void>;
}

/** API Gateway's payload limit for REST APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const ACCOUNT_ID = '000000000000';
const FUNCTION_NAME = 'user-files-api-local';
// The stack's `defaultCorsPreflightOptions` (lib/user-files-api.ts), as API Gateway's mock answers them.
const PREFLIGHT_ALLOW_HEADERS = CORS_ALLOWED_HEADERS.join(',');
const PREFLIGHT_ALLOW_METHODS = CORS_ALLOWED_METHODS.join(',');
const PREFLIGHT_MAX_AGE = String(CORS_MAX_AGE_SECONDS);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The resources and methods of the REST API, read from the contract the stack is built to. */
export function loadRoutes(specPath: string): Map<string, Set<string>> {
  const spec = parseYaml(readFileSync(specPath, 'utf8')) as {
    paths?: Record<string, Record<string, unknown>>;
  };
  const routes = new Map<string, Set<string>>();
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    const methods = Object.keys(item).filter((m) => HTTP_METHODS.includes(m));
    routes.set(path, new Set(methods.map((m) => m.toUpperCase())));
  }
  return routes;
}

/**
 * API Gateway hands the authorizer's claims to the integration as strings: numbers as decimal
 * text, `exp`/`iat` in Java's `Date.toString()` form, booleans as `true`/`false`, arrays joined
 * with commas. Reproduced so handler code that parses claims meets the same shapes as deployed.
 */
function claimsAsApiGatewayStrings(payload: JwtPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if ((name === 'exp' || name === 'iat') && typeof value === 'number') claims[name] = javaDateString(value);
    else if (Array.isArray(value)) claims[name] = value.map(String).join(',');
    else if (typeof value === 'object') claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function javaDateString(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

/** `[21/Nov/2026:23:18:42 +0000]` without the brackets, as in `requestContext.requestTime`. */
function requestTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${time} +0000`;
}

/**
 * API Gateway's own answers: the deployed stack's gateway responses (same table), with the message
 * API Gateway puts in `$context.error.messageString` as the detail.
 */
interface GatewayAnswer {
  readonly problem: GatewayProblem;
  /** The deployed response's fixed detail when it has one, else API Gateway's message. */
  readonly detail: string;
  /** API Gateway's `x-amzn-ErrorType` header. */
  readonly errorType: string;
}

function gatewayAnswer(responseType: string, message: string, errorType: string): GatewayAnswer {
  const problem = GATEWAY_PROBLEMS.find((p) => p.responseType === responseType);
  if (!problem) throw new Error(`no gateway response ${responseType} in lib/gateway-problems.ts`);
  return { problem, detail: problem.detail ?? message, errorType };
}

const UNAUTHORIZED = gatewayAnswer('UNAUTHORIZED', 'Unauthorized', 'UnauthorizedException');
// The common mistake, which the local stack can name: a verified token of the pool, but the
// access token. (Deployed, the authorizer cannot say more than UNAUTHORIZED's detail.)
const ACCESS_TOKEN: GatewayAnswer = {
  ...UNAUTHORIZED,
  detail:
    "Unauthorized: this is the user's access token; send the ID token (AuthenticationResult.IdToken) in the Authorization header.",
};
const NO_SUCH_ROUTE = gatewayAnswer(
  'MISSING_AUTHENTICATION_TOKEN',
  'Missing Authentication Token',
  'MissingAuthenticationTokenException',
);
const TOO_LARGE = gatewayAnswer('REQUEST_TOO_LARGE', 'Request Too Long', 'RequestTooLongException');
const AUTHORIZER_ERROR = gatewayAnswer(
  'AUTHORIZER_CONFIGURATION_ERROR',
  'Authorizer configuration error',
  'AuthorizerConfigurationException',
);
const INTEGRATION_FAILURE = gatewayAnswer(
  'INTEGRATION_FAILURE',
  'Internal server error',
  'InternalServerErrorException',
);

class BodyTooLargeError extends Error {}

/** Header maps the way API Gateway builds them: original casing, last value wins in `headers`. */
function headerMaps(
  rawHeaders: readonly string[],
  added: Record<string, string>,
): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // Same name in another casing: API Gateway keeps the first spelling it saw.
  const spelling = new Map<string, string>();
  const add = (name: string, value: string) => {
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    headers[key] = value;
    multiValueHeaders[key] = [...(multiValueHeaders[key] ?? []), value];
  };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    add(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  for (const [name, value] of Object.entries(added)) {
    if (!spelling.has(name.toLowerCase())) add(name, value);
  }
  return { headers, multiValueHeaders };
}

/**
 * A proxy result's headers as API Gateway sends them: `headers` and `multiValueHeaders` merged,
 * a value given in both appearing once.
 */
function responseHeaders(result: APIGatewayProxyResult): Map<string, { name: string; values: string[] }> {
  const merged = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: string) => {
    const entry = merged.get(name.toLowerCase()) ?? { name, values: [] };
    if (!entry.values.includes(value)) entry.values.push(value);
    merged.set(name.toLowerCase(), entry);
  };
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    for (const value of values) add(name, String(value));
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) add(name, String(value));
  return merged;
}

function queryMaps(search: string): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const params = new URLSearchParams(search);
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of params) {
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  if (Object.keys(single).length === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const token = header.replace(/^Bearer\s+/i, '').trim();
  return token.length > 0 ? token : undefined;
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  if (!Number.isInteger(result.statusCode)) return false;
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') return false;
  if (result.headers !== undefined && (typeof result.headers !== 'object' || result.headers === null))
    return false;
  if (
    result.multiValueHeaders !== undefined &&
    (typeof result.multiValueHeaders !== 'object' ||
      result.multiValueHeaders === null ||
      !Object.values(result.multiValueHeaders).every(Array.isArray))
  )
    return false;
  return true;
}

function lambdaContext(deadline: number, region: string): Context {
  const awsRequestId = randomUUID();
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Token buckets per user. `take` answers 0 when a request may go on, or the whole seconds until
 * it could. Bounded: buckets that have refilled completely hold no information and are swept.
 */
function userLimiter(limit: { readonly perSecond: number; readonly burst: number }, now: () => number) {
  if (!(limit.perSecond > 0 && limit.burst >= 1)) throw new TypeError('userRateLimit must be positive');
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = (limit.burst / limit.perSecond) * 1000;
  let lastSweep = 0;
  return {
    take(user: string): number {
      const at = now();
      if (buckets.size > 10_000 && at - lastSweep > 1_000) {
        lastSweep = at;
        for (const [name, bucket] of buckets) if (at - bucket.at >= fullAfterMs) buckets.delete(name);
      }
      const bucket = buckets.get(user) ?? { tokens: limit.burst, at };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.perSecond);
      bucket.at = at;
      buckets.set(user, bucket);
      if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
      bucket.tokens -= 1;
      return 0;
    },
  };
}

export async function startApiAdapter(options: ApiAdapterOptions): Promise<ApiAdapter> {
  const stage = options.stage ?? 'v1';
  const stagePrefix = `/${stage}`;
  const timeoutMs = options.functionTimeoutMs ?? 10_000;
  const log = options.log ?? ((line: string) => console.error(line));
  const routes = loadRoutes(
    options.specPath ?? fileURLToPath(new URL('../../openapi.yaml', import.meta.url)),
  );
  const [firstOrigin, ...otherOrigins] = options.allowedOrigins;
  if (!firstOrigin) throw new TypeError('allowedOrigins must name at least one origin');
  // Gateway responses take static header values only: the deployed stack sends the first origin.
  const gatewayCors = {
    'Access-Control-Allow-Origin': firstOrigin,
    'Access-Control-Allow-Headers': PREFLIGHT_ALLOW_HEADERS,
  };

  // The verifier derives the AWS issuer and JWKS URI from the pool ID, as the authorizer does;
  // only the JWKS download is redirected to where the pool really lives.
  const awsJwksUri = CognitoJwtVerifier.parseUserPoolId(options.userPoolId).jwksUri;
  const localJwksUri = `${options.userPoolEndpoint.replace(/\/$/, '')}/${options.userPoolId}/.well-known/jwks.json`;
  const verifier = CognitoJwtVerifier.create(
    // Either token use, so an access token can be named as such; only ID tokens go further.
    { userPoolId: options.userPoolId, tokenUse: null, clientId: null },
    {
      jwksCache: loopbackJwksCache((uri) => {
        if (uri !== awsJwksUri) throw new FetchError(uri, 'unexpected JWKS URI');
        return localJwksUri;
      }),
    },
  );

  const limiter =
    options.userRateLimit === false
      ? undefined
      : userLimiter(options.userRateLimit ?? { perSecond: 100, burst: 500 }, options.now ?? Date.now);

  function sendRateLimited(res: ServerResponse, retryAfterSeconds: number, requestId: string): void {
    const body = JSON.stringify({ ...rateLimitedProblem(retryAfterSeconds), requestId });
    res.writeHead(429, {
      ...gatewayCors,
      'Content-Type': 'application/problem+json',
      'Content-Length': Buffer.byteLength(body),
      'Retry-After': String(retryAfterSeconds),
      'x-amzn-RequestId': requestId,
    });
    res.end(body);
  }

  function sendProblem(res: ServerResponse, answer: GatewayAnswer, requestId: string): void {
    const { problem } = answer;
    const body = JSON.stringify({
      type: `${PROBLEM_TYPE_PREFIX}${problem.code}`,
      title: problem.title,
      status: problem.status,
      code: problem.code,
      detail: answer.detail,
      requestId,
    });
    res.writeHead(problem.status, {
      ...gatewayCors,
      'Content-Type': 'application/problem+json',
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': answer.errorType,
      ...(problem.retryAfterSeconds === undefined
        ? {}
        : { 'Retry-After': String(problem.retryAfterSeconds) }),
    });
    res.end(body);
  }

  /** CORS preflight as CDK's mock integration answers it: an allowed origin is echoed, else the first. */
  function sendPreflight(res: ServerResponse, origin: string | undefined, requestId: string): void {
    const allowOrigin = origin && otherOrigins.includes(origin) ? origin : firstOrigin;
    res.writeHead(204, {
      'Access-Control-Allow-Headers': PREFLIGHT_ALLOW_HEADERS,
      'Access-Control-Allow-Methods': PREFLIGHT_ALLOW_METHODS,
      'Access-Control-Allow-Origin': allowOrigin,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
      Vary: 'Origin',
      'x-amzn-RequestId': requestId,
    });
    res.end();
  }

  function sendResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
    res.statusCode = result.statusCode;
    for (const { name, values } of responseHeaders(result).values()) {
      res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
    }
    res.setHeader('x-amzn-RequestId', requestId);
    const body = result.body ?? '';
    const bytes = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
    // API Gateway's default when the function sets none.
    if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', bytes.length);
    res.end(bytes);
  }

  async function invoke(event: APIGatewayProxyEvent, started: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([
        options.handler(event, lambdaContext(started + timeoutMs, options.region)),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const received = new Date();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();

    // Outside the stage there is no API at all: API Gateway answers a bare 403 there.
    if (url.pathname !== stagePrefix && !url.pathname.startsWith(`${stagePrefix}/`)) {
      req.resume();
      const body = JSON.stringify({ message: 'Forbidden' });
      res.writeHead(403, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'x-amzn-RequestId': requestId,
        'x-amzn-ErrorType': 'ForbiddenException',
      });
      res.end(body);
      return;
    }
    const path = url.pathname.slice(stagePrefix.length) || '/';
    const methods = routes.get(path);

    // Routing comes before authorization in API Gateway: an unknown resource or method is refused
    // the same way with or without a token.
    if (methods && method === 'OPTIONS') {
      req.resume();
      sendPreflight(res, req.headers.origin, requestId);
      return;
    }
    if (!methods?.has(method)) {
      req.resume();
      sendProblem(res, NO_SUCH_ROUTE, requestId);
      return;
    }

    let body: Buffer;
    try {
      body = await readLimitedBody(req, MAX_BODY_BYTES, () => new BodyTooLargeError());
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendProblem(res, TOO_LARGE, requestId);
      return;
    }

    const token = bearerToken(req.headers.authorization);
    if (!token) {
      sendProblem(res, UNAUTHORIZED, requestId);
      return;
    }
    let payload: JwtPayload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      if (error instanceof FetchError) {
        log(`api-adapter: the user pool's JWKS is unavailable (${requestId})`);
        sendProblem(res, AUTHORIZER_ERROR, requestId);
      } else {
        sendProblem(res, UNAUTHORIZED, requestId);
      }
      return;
    }
    if (payload.token_use !== 'id' || typeof payload.sub !== 'string' || payload.sub === '') {
      sendProblem(res, payload.token_use === 'access' ? ACCESS_TOKEN : UNAUTHORIZED, requestId);
      return;
    }

    // Each user (the verified, non-empty `sub`) has their own bucket.
    const waitSeconds = limiter?.take(payload.sub);
    if (waitSeconds !== undefined && waitSeconds > 0) {
      sendRateLimited(res, waitSeconds, requestId);
      return;
    }

    const sourceIp = req.socket.remoteAddress ?? options.host;
    // Headers API Gateway adds on the way in (on the default execute-api domain).
    const { headers, multiValueHeaders } = headerMaps(req.rawHeaders, {
      'X-Amzn-Trace-Id': `Root=1-${Math.floor(received.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
      'X-Forwarded-For': sourceIp,
      'X-Forwarded-Port': String(req.socket.localPort ?? ''),
      'X-Forwarded-Proto': 'http',
    });
    const event: APIGatewayProxyEvent = {
      resource: path,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      ...queryMaps(url.search),
      pathParameters: null,
      stageVariables: null,
      // No binary media types are configured, so API Gateway passes bodies as text.
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: ACCOUNT_ID,
        apiId: 'local',
        authorizer: { claims: claimsAsApiGatewayStrings(payload) },
        domainName: req.headers.host ?? `${options.host}`,
        domainPrefix: 'local',
        extendedRequestId: requestId,
        httpMethod: method,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent: req.headers['user-agent'] ?? null,
          userArn: null,
        },
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: requestTime(received),
        requestTimeEpoch: received.getTime(),
        resourceId: 'local',
        resourcePath: path,
        stage,
      },
    };

    let result: unknown;
    try {
      result = await invoke(event, received.getTime());
    } catch (error) {
      // Like Lambda's own log line: the error's name only, since messages may carry user input.
      const name = error instanceof Error ? error.name : typeof error;
      log(`api-adapter: ${method} ${path} failed with ${name} (${requestId})`);
      sendProblem(res, INTEGRATION_FAILURE, requestId);
      return;
    }
    if (!isProxyResult(result)) {
      log(`api-adapter: ${method} ${path} returned a malformed proxy result (${requestId})`);
      sendProblem(res, INTEGRATION_FAILURE, requestId);
      return;
    }
    sendResult(res, result, requestId);
  }

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      log(`api-adapter: unexpected ${error instanceof Error ? error.name : typeof error}`);
      if (!res.headersSent) sendProblem(res, INTEGRATION_FAILURE, randomUUID());
      else res.destroy();
    });
  });
  const port = await listen(server, options.host, options.port, 'the API adapter');
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}${stagePrefix}/`,
    port,
    close: () => {
      closing ??= closeServer(server);
      return closing;
    },
  };
}
