/**
 * The REST API proxy event (v1) as API Gateway builds it behind a Cognito user-pools authorizer (or
 * none, for the guest routes: `claims` null), defined once: the local adapter, the bench and the
 * handler tests all build their events here.
 * Pure: no server, no clock, no randomness (the caller passes the request ID and the time).
 */
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ProxyEventInput {
  readonly method: string;
  /** The request path, without the stage, as sent (percent-encoded): `/files/uploads`. */
  readonly path: string;
  /** The resource's path template, such as `/public/{owner}/{key+}`. @default `path` */
  readonly resource?: string;
  /** The template's variables, percent-decoded. @default null (a resource without variables) */
  readonly pathParameters?: Record<string, string> | null;
  /** @default 'v1' */
  readonly stage?: string;
  /** As the function receives them (`headerMaps` reads them off the wire as API Gateway does). */
  readonly headers: Record<string, string>;
  /** @default one value per header in `headers` */
  readonly multiValueHeaders?: Record<string, string[]>;
  /**
   * The query string, split as API Gateway splits it; or parameters as the function receives
   * them, kept exactly as given (tests send hostile names such as `__proto__` this way).
   * @default no query string
   */
  readonly query?: URLSearchParams | Record<string, string>;
  readonly body: string | null;
  /** What the authorizer passes on, as strings (see `claimsAsApiGatewayStrings`); null: none. */
  readonly claims: Record<string, string> | null;
  readonly requestId: string;
  /** @default requestId */
  readonly extendedRequestId?: string;
  readonly received: Date;
  readonly sourceIp: string;
  /** @default the `User-Agent` header, if any */
  readonly userAgent?: string | null;
  /** The API's host name, e.g. `abc123.execute-api.us-east-1.amazonaws.com`. */
  readonly domainName: string;
  readonly accountId: string;
  /** Also the domain prefix and the resource ID: one resource per path, as far as the function sees. */
  readonly apiId: string;
  /** @default 'HTTP/1.1' */
  readonly protocol?: string;
}

export function restProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const stage = input.stage ?? 'v1';
  const { headers } = input;
  const resource = input.resource ?? input.path;
  return {
    resource,
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders:
      input.multiValueHeaders ??
      Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    ...queryMaps(input.query ?? new URLSearchParams()),
    pathParameters: input.pathParameters ?? null,
    stageVariables: null,
    body: input.body,
    // No binary media types are configured, so API Gateway passes bodies as text.
    isBase64Encoded: false,
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      authorizer: input.claims === null ? null : { claims: input.claims },
      domainName: input.domainName,
      domainPrefix: input.apiId,
      extendedRequestId: input.extendedRequestId ?? input.requestId,
      httpMethod: input.method,
      identity: callerIdentity(input.sourceIp, input.userAgent ?? headerValue(headers, 'user-agent')),
      path: `/${stage}${input.path}`,
      protocol: input.protocol ?? 'HTTP/1.1',
      requestId: input.requestId,
      requestTime: requestTime(input.received),
      requestTimeEpoch: input.received.getTime(),
      resourceId: input.apiId,
      resourcePath: resource,
      stage,
    },
  };
}

/** A Cognito user-pools authorizer leaves every IAM field of the caller empty. */
function callerIdentity(
  sourceIp: string,
  userAgent: string | null,
): APIGatewayProxyEvent['requestContext']['identity'] {
  return {
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
    userAgent,
    userArn: null,
  };
}

function headerValue(headers: Record<string, string>, lowerCaseName: string): string | null {
  const name = Object.keys(headers).find((key) => key.toLowerCase() === lowerCaseName);
  return name === undefined ? null : (headers[name] ?? null);
}

/** Header maps the way API Gateway builds them: original casing, last value wins in `headers`. */
export function headerMaps(
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

function queryMaps(params: URLSearchParams | Record<string, string>): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  if (!(params instanceof URLSearchParams)) {
    return {
      queryStringParameters: params,
      multiValueQueryStringParameters: Object.fromEntries(
        Object.entries(params).map(([name, value]) => [name, [value]]),
      ),
    };
  }
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
const two = (n: number) => String(n).padStart(2, '0');
const clockTime = (d: Date) => `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;

function javaDateString(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${clockTime(d)} UTC ${d.getUTCFullYear()}`;
}

/** `[21/Nov/2026:23:18:42 +0000]` without the brackets, as in `requestContext.requestTime`. */
function requestTime(date: Date): string {
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${clockTime(date)} +0000`;
}
