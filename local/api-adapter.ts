/**
 * The local stand-in for API Gateway (REST API, Lambda proxy integration, Cognito user-pools
 * authorizer). It answers what the deployed gateway answers by itself (unknown routes, CORS
 * preflight, missing or bad tokens, oversized bodies, integration failures) and hands everything
 * else, as a REST proxy event v1, to the very handler the stack deploys, in process.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoJwtVerifier } from 'aws-jwt-verify/cognito-verifier';
import { FetchError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parse as parseYaml } from 'yaml';

export type LambdaProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

export interface ApiAdapterOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handler: LambdaProxyHandler;
  readonly userPoolId: string;
  /** The app client: the ID token's `aud` must be this. */
  readonly clientId: string;
  readonly region: string;
  /** Where the user pool really lives (moto); its JWKS is read from `{endpoint}/{userPoolId}/.well-known/jwks.json`. */
  readonly userPoolEndpoint: string;
  readonly allowedOrigins: readonly string[];
  /** @default 'local' */
  readonly stage?: string;
  /** API Gateway's integration timeout. @default 29000 */
  readonly integrationTimeoutMs?: number;
  /** @default 'openapi.yaml' next to package.json */
  readonly specPath?: string;
  /** Receives one line per failed integration (never tokens). @default console.error */
  readonly log?: (line: string) => void;
}

export interface ApiAdapter {
  /** The ApiUrl, with a trailing `/` like the deployed stack's output. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** API Gateway's payload limit for REST APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const ACCOUNT_ID = '000000000000';
const FUNCTION_NAME = 'user-files-api-local';
// What `addCorsPreflight` in aws-cdk-lib answers with its defaults (Cors.DEFAULT_HEADERS, Cors.ALL_METHODS).
const PREFLIGHT_ALLOW_HEADERS =
  'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent';
const PREFLIGHT_ALLOW_METHODS = 'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD';
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
export function claimsAsApiGatewayStrings(payload: JwtPayload): Record<string, string> {
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

interface GatewayProblem {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** API Gateway's `x-amzn-ErrorType` for this gateway response. */
  readonly errorType: string;
}

// The gateway's own answers, in the same problem+json shape as the handler's (the deployed
// stack's gateway responses carry the same shape and CORS headers).
const UNAUTHORIZED: GatewayProblem = {
  status: 401,
  code: 'unauthorized',
  title: 'Unauthorized',
  detail: 'The ID token is missing, malformed, expired or not from this user pool.',
  errorType: 'UnauthorizedException',
};
const NO_SUCH_ROUTE: GatewayProblem = {
  status: 404,
  code: 'not_found',
  title: 'Not Found',
  detail: 'No such route.',
  errorType: 'MissingAuthenticationTokenException',
};
const TOO_LARGE: GatewayProblem = {
  status: 413,
  code: 'invalid_request',
  title: 'Request Too Large',
  detail: 'The request body is larger than 10 MB.',
  errorType: 'RequestTooLargeException',
};
const AUTHORIZER_ERROR: GatewayProblem = {
  status: 500,
  code: 'internal_error',
  title: 'Internal Server Error',
  detail: 'The authorizer could not be reached.',
  errorType: 'AuthorizerConfigurationException',
};
const INTEGRATION_FAILURE: GatewayProblem = {
  status: 502,
  code: 'internal_error',
  title: 'Bad Gateway',
  detail: 'Internal server error.',
  errorType: 'InternalServerErrorException',
};
const INTEGRATION_TIMEOUT: GatewayProblem = {
  status: 504,
  code: 'upstream_timeout',
  title: 'Gateway Timeout',
  detail: 'Endpoint request timed out.',
  errorType: 'IntegrationTimeoutException',
};

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Header maps the way API Gateway builds them: original casing, last value wins in `headers`. */
function headerMaps(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    // Same name, different casing: API Gateway keeps the first spelling it saw.
    const existing = Object.keys(multiValueHeaders).find((k) => k.toLowerCase() === name.toLowerCase());
    const key = existing ?? name;
    headers[key] = value;
    multiValueHeaders[key] = [...(multiValueHeaders[key] ?? []), value];
  }
  return { headers, multiValueHeaders };
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

function lambdaContext(deadline: number): Context {
  const awsRequestId = randomUUID();
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:${ACCOUNT_ID}:function:${FUNCTION_NAME}`,
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

export async function startApiAdapter(options: ApiAdapterOptions): Promise<ApiAdapter> {
  const stage = options.stage ?? 'local';
  const timeoutMs = options.integrationTimeoutMs ?? 29_000;
  const log = options.log ?? ((line: string) => console.error(line));
  const routes = loadRoutes(options.specPath ?? new URL('../openapi.yaml', import.meta.url).pathname);
  const allowed = new Set(options.allowedOrigins);
  const firstOrigin = options.allowedOrigins[0];

  // The verifier derives the AWS issuer and JWKS URI from the pool ID (as the authorizer does);
  // only the JWKS download is redirected to where the pool really lives.
  const awsJwksUri = CognitoJwtVerifier.parseUserPoolId(options.userPoolId).jwksUri;
  const localJwksUri = `${options.userPoolEndpoint.replace(/\/$/, '')}/${options.userPoolId}/.well-known/jwks.json`;
  const verifier = CognitoJwtVerifier.create(
    { userPoolId: options.userPoolId, tokenUse: 'id', clientId: options.clientId },
    {
      jwksCache: new SimpleJwksCache({
        fetcher: {
          fetch: async (uri: string) => {
            if (uri !== awsJwksUri) throw new FetchError(uri, 'unexpected JWKS URI');
            const response = await fetch(localJwksUri);
            if (!response.ok) throw new FetchError(uri, `status ${response.status}`);
            return response.arrayBuffer();
          },
        },
      }),
    },
  );

  /** CORS headers of the gateway's own responses: the caller's origin when allowed, else the first. */
  function corsHeaders(origin: string | undefined): Record<string, string> {
    const allowOrigin = origin && allowed.has(origin) ? origin : firstOrigin;
    return allowOrigin ? { 'Access-Control-Allow-Origin': allowOrigin, Vary: 'Origin' } : {};
  }

  function sendProblem(
    res: ServerResponse,
    problem: GatewayProblem,
    requestId: string,
    origin: string | undefined,
  ): void {
    const body = JSON.stringify({
      type: `urn:user-files-api:problem:${problem.code}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      requestId,
    });
    res.writeHead(problem.status, {
      'Content-Type': 'application/problem+json',
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': problem.errorType,
      ...corsHeaders(origin),
    });
    res.end(body);
  }

  function sendResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
    res.statusCode = result.statusCode;
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
      res.setHeader(name, values.map(String));
    }
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      res.setHeader(name, String(value));
    }
    res.setHeader('x-amzn-RequestId', requestId);
    const body = result.body ?? '';
    const bytes = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
    if (!res.hasHeader('content-type') && bytes.length > 0) res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', bytes.length);
    res.end(bytes);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const received = new Date();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = req.headers.origin;
    const methods = routes.get(url.pathname);

    // Routing comes before authorization in API Gateway: an unknown resource or method is refused
    // the same way with or without a token.
    if (methods && method === 'OPTIONS') {
      const allowOrigin = origin && allowed.has(origin) ? origin : firstOrigin;
      res.writeHead(204, {
        'Access-Control-Allow-Headers': PREFLIGHT_ALLOW_HEADERS,
        'Access-Control-Allow-Methods': PREFLIGHT_ALLOW_METHODS,
        ...(allowOrigin ? { 'Access-Control-Allow-Origin': allowOrigin, Vary: 'Origin' } : {}),
        'x-amzn-RequestId': requestId,
      });
      res.end();
      return;
    }
    if (!methods?.has(method)) {
      req.resume();
      sendProblem(res, NO_SUCH_ROUTE, requestId, origin);
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendProblem(res, TOO_LARGE, requestId, origin);
        return;
      }
      throw error;
    }

    let payload: JwtPayload;
    try {
      const token = bearerToken(req.headers.authorization);
      if (!token) {
        sendProblem(res, UNAUTHORIZED, requestId, origin);
        return;
      }
      payload = await verifier.verify(token);
    } catch (error) {
      if (error instanceof FetchError) {
        log(`api-adapter: JWKS unavailable (${error.message})`);
        sendProblem(res, AUTHORIZER_ERROR, requestId, origin);
      } else {
        sendProblem(res, UNAUTHORIZED, requestId, origin);
      }
      return;
    }

    const { headers, multiValueHeaders } = headerMaps(req.rawHeaders);
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    const event: APIGatewayProxyEvent = {
      resource: url.pathname,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      ...queryMaps(url.search),
      pathParameters: null,
      stageVariables: null,
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: ACCOUNT_ID,
        apiId: 'local',
        authorizer: { claims: claimsAsApiGatewayStrings(payload) },
        domainName: req.headers.host ?? 'localhost',
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
        resourcePath: url.pathname,
        stage,
      },
    };

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const result = await Promise.race([
        options.handler(event, lambdaContext(received.getTime() + timeoutMs)),
        timedOut,
      ]);
      if (result === 'timeout') {
        log(`api-adapter: ${method} ${url.pathname} timed out after ${timeoutMs} ms (${requestId})`);
        sendProblem(res, INTEGRATION_TIMEOUT, requestId, origin);
      } else if (!isProxyResult(result)) {
        log(`api-adapter: ${method} ${url.pathname} returned a malformed proxy result (${requestId})`);
        sendProblem(res, INTEGRATION_FAILURE, requestId, origin);
      } else {
        sendResult(res, result, requestId);
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      log(`api-adapter: ${method} ${url.pathname} failed with ${name} (${requestId})`);
      sendProblem(res, INTEGRATION_FAILURE, requestId, origin);
    } finally {
      clearTimeout(timer);
    }
  }

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      log(`api-adapter: unexpected ${error instanceof Error ? error.name : typeof error}`);
      if (!res.headersSent) sendProblem(res, INTEGRATION_FAILURE, randomUUID(), req.headers.origin);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}/`,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
