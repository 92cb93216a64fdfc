/**
 * The local stand-in for API Gateway (REST API, Lambda proxy integration, Cognito user-pools
 * authorizer). It answers what the deployed gateway answers by itself (unknown routes, CORS
 * preflight, missing or bad tokens, oversized bodies, integration failures) and hands everything
 * else, as a REST proxy event v1, to the very handler the stack deploys, in process. The guest
 * routes (`/public/...`) have no authorizer: anyone reaches the function, within a request
 * limit per client address, with no claims in the event.
 *
 * This module is the server that composes the pieces: routes.ts, authorizer.ts, rate-limit.ts,
 * proxy-event.ts, lambda-invoke.ts and responses.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { readLimitedBody } from '../core/http-body';
import { type RateLimit, type TokenBuckets, tokenBuckets } from '../core/token-buckets';
import { closeServer, listen } from '../stack/ports';
import { type Authorizer, cognitoAuthorizer } from './authorizer';
import { BAD_PATH, INTEGRATION_FAILURE, NO_SUCH_ROUTE, TOO_LARGE } from './gateway-answers';
import { ACCOUNT_ID, type Invoker, invoker, isProxyResult, type LambdaProxyHandler } from './lambda-invoke';
import { claimsAsApiGatewayStrings, headerMaps, restProxyEvent } from './proxy-event';
import { type Responder, responder } from './responses';
import { deployedRoutes, matchRoute, type Resource, type RouteMatch } from './routes';

export type { LambdaProxyHandler } from './lambda-invoke';

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
  /** Receives one line per failed invocation (never tokens or URLs). @default console.error */
  readonly log?: (line: string) => void;
  /**
   * The per-user request limit the deployed stack's WAF enforces, here a token bucket per verified
   * `sub`: `burst` requests at once, refilled at `perSecond`. Past it: 429, a `rate_limited`
   * problem with `Retry-After`. `false`: no limit. Generous by default, so tests and `npm run load`
   * never meet it unless they mean to.
   * @default { perSecond: 100, burst: 500 }
   */
  readonly userRateLimit?: RateLimit | false;
  /**
   * The guest routes' request limit: with no token there is no user to count, so a token bucket per
   * client IP address (the connection's, never `X-Forwarded-For`, which anyone can write), as a
   * rate-based rule on the source address does. Past it: 429, the same `rate_limited` problem with
   * `Retry-After`. `false`: no limit. @default { perSecond: 100, burst: 500 }
   */
  readonly guestRateLimit?: RateLimit | false;
  /** Serve the guest routes, as a deployment with guest access does. @default true */
  readonly guestRoutes?: boolean;
  /** Clock for the rate limits, for tests. @default Date.now */
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

class BodyTooLargeError extends Error {}

/** What serving a request needs, assembled once per adapter. */
interface Gateway {
  readonly host: string;
  readonly stage: string;
  readonly routes: readonly Resource[];
  readonly authorize: Authorizer;
  /** The per-user limit the deployed WAF enforces, here per verified `sub`. */
  readonly limiter: TokenBuckets | undefined;
  /** The guest routes' limit, per client address. */
  readonly guestLimiter: TokenBuckets | undefined;
  readonly invoke: Invoker;
  readonly send: Responder;
  readonly log: (line: string) => void;
}

/** One request as it came in: what every step after routing needs to know about it. */
interface Incoming {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly received: Date;
  readonly url: URL;
  readonly method: string;
  /** The connection's address: the guest limit's key and the event's `sourceIp`. */
  readonly sourceIp: string;
}

/** Who called a route: a verified user's claims, or, on a guest route, nobody (null). */
type Caller = Record<string, string> | null;

export async function startApiAdapter(options: ApiAdapterOptions): Promise<ApiAdapter> {
  const gateway = assemble(options);
  const server: Server = createServer((req, res) => {
    serve(gateway, req, res).catch((error: unknown) => {
      gateway.log(`api-adapter: unexpected ${error instanceof Error ? error.name : typeof error}`);
      if (!res.headersSent) gateway.send.problem(res, INTEGRATION_FAILURE, randomUUID());
      else res.destroy();
    });
  });
  const port = await listen(server, options.host, options.port, 'the API adapter');
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}/${gateway.stage}/`,
    port,
    close: () => {
      closing ??= closeServer(server);
      return closing;
    },
  };
}

function assemble(options: ApiAdapterOptions): Gateway {
  const log = options.log ?? ((line: string) => console.error(line));
  const now = options.now ?? Date.now;
  const limiter = (limit: RateLimit | false | undefined, name: string) =>
    limit === false ? undefined : tokenBuckets(limit ?? { perSecond: 100, burst: 500 }, now, name);
  return {
    host: options.host,
    stage: options.stage ?? 'v1',
    routes: deployedRoutes({ guests: options.guestRoutes ?? true }),
    send: responder(options.allowedOrigins),
    authorize: cognitoAuthorizer({ ...options, log }),
    limiter: limiter(options.userRateLimit, 'userRateLimit'),
    guestLimiter: limiter(options.guestRateLimit, 'guestRateLimit'),
    invoke: invoker(options.handler, options.functionTimeoutMs ?? 10_000, options.region),
    log,
  };
}

/**
 * Routing; on a guest route the per-address limit, else (after the body's size) the authorizer
 * and the per-user limit; then the function. A `HEAD` request's answers carry no body: Node's
 * server drops it, as API Gateway does.
 */
async function serve(gateway: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  const sourceIp = req.socket.remoteAddress ?? gateway.host;
  const at: Incoming = { req, res, requestId: randomUUID(), received: new Date(), url, method, sourceIp };
  const route = matchRoute(gateway.routes, gateway.stage, requestPath(req.url ?? '/', url), method);
  if (route.kind !== 'route') return answerUnrouted(gateway, at, route);
  if (route.guest && !withinLimit(gateway, at, gateway.guestLimiter, sourceIp)) return;
  const body = await readBody(req);
  if (body === undefined) return gateway.send.problem(res, TOO_LARGE, at.requestId);
  const caller = route.guest ? null : await authorizedUser(gateway, at);
  if (caller === undefined) return;
  await integrate(gateway, at, proxyEvent(gateway, at, route, body, caller));
}

/**
 * The path as sent, not normalized (API Gateway passes `path` on still percent-encoded), so routing
 * and the event see what the client sent. An absolute-form target yields its path.
 */
function requestPath(target: string, url: URL): string {
  if (!target.startsWith('/')) return url.pathname;
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

function answerUnrouted(gateway: Gateway, { req, res, requestId }: Incoming, route: RouteMatch): void {
  req.resume();
  if (route.kind === 'outside-stage') gateway.send.forbidden(res, requestId);
  else if (route.kind === 'preflight') gateway.send.preflight(res, req.headers.origin, requestId);
  else gateway.send.problem(res, route.kind === 'bad-path' ? BAD_PATH : NO_SUCH_ROUTE, requestId);
}

/** Takes a token of `key`'s bucket; past the limit, answers the 429 and says so. */
function withinLimit(
  gateway: Gateway,
  at: Incoming,
  limiter: TokenBuckets | undefined,
  key: string,
): boolean {
  const waitSeconds = limiter?.take(key) ?? 0;
  if (waitSeconds === 0) return true;
  at.req.resume();
  gateway.send.rateLimited(at.res, waitSeconds, at.requestId);
  return false;
}

/** The verified user's claims (within their limit), or undefined once refused. */
async function authorizedUser(gateway: Gateway, at: Incoming): Promise<Caller | undefined> {
  const authorized = await gateway.authorize(at.req.headers.authorization, at.requestId);
  if (!('payload' in authorized)) {
    gateway.send.problem(at.res, authorized, at.requestId);
    return undefined;
  }
  // Each user (the verified, non-empty `sub`) has their own bucket.
  if (!withinLimit(gateway, at, gateway.limiter, authorized.payload.sub)) return undefined;
  return claimsAsApiGatewayStrings(authorized.payload);
}

/** The whole body, or undefined past API Gateway's payload limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  try {
    return await readLimitedBody(req, MAX_BODY_BYTES, () => new BodyTooLargeError());
  } catch (error) {
    if (error instanceof BodyTooLargeError) return undefined;
    throw error;
  }
}

/** The event API Gateway builds from this request, with the headers it adds on the way in. */
function proxyEvent(
  gateway: Gateway,
  { req, url, method, requestId, received, sourceIp }: Incoming,
  route: Extract<RouteMatch, { kind: 'route' }>,
  body: Buffer,
  claims: Caller,
): APIGatewayProxyEvent {
  // As on the default execute-api domain.
  const { headers, multiValueHeaders } = headerMaps(req.rawHeaders, {
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(received.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    'X-Forwarded-For': sourceIp,
    'X-Forwarded-Port': String(req.socket.localPort ?? ''),
    'X-Forwarded-Proto': 'http',
  });
  return restProxyEvent({
    method,
    path: route.path,
    resource: route.resource,
    pathParameters: route.pathParameters,
    stage: gateway.stage,
    headers,
    multiValueHeaders,
    query: url.searchParams,
    body: body.length > 0 ? body.toString('utf8') : null,
    claims,
    requestId,
    received,
    sourceIp,
    userAgent: req.headers['user-agent'] ?? null,
    domainName: req.headers.host ?? gateway.host,
    accountId: ACCOUNT_ID,
    apiId: 'local',
    protocol: `HTTP/${req.httpVersion}`,
  });
}

/** Invokes the function and sends its result on, or the gateway's 502 when it fails. */
async function integrate(gateway: Gateway, at: Incoming, event: APIGatewayProxyEvent): Promise<void> {
  const failed = (line: string) => {
    gateway.log(`api-adapter: ${at.method} ${event.path} ${line} (${at.requestId})`);
    gateway.send.problem(at.res, INTEGRATION_FAILURE, at.requestId);
  };
  let result: unknown;
  try {
    result = await gateway.invoke(event, at.received.getTime());
  } catch (error) {
    // Like Lambda's own log line: the error's name only, since messages may carry user input.
    return failed(`failed with ${error instanceof Error ? error.name : typeof error}`);
  }
  if (!isProxyResult(result)) return failed('returned a malformed proxy result');
  gateway.send.result(at.res, result, at.requestId);
}
