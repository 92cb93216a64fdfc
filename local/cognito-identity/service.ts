/**
 * The local Cognito identity pool: an HTTP service speaking the Cognito Identity JSON 1.1 protocol
 * (`X-Amz-Target: AWSCognitoIdentityService.<Op>`), so the AWS SDKs, boto3 and the CLI use it
 * unchanged through their endpoint setting. moto's own identity pool is only a placeholder (random ID per call,
 * fixed credentials); this one verifies every `Logins` token against the user pool's JWKS, returns
 * a stable identity ID per user, and mints temporary credentials bound to that identity and the
 * pool's authenticated role, which the S3 gateway then enforces. It also issues OpenID tokens
 * (`GetOpenIdToken`, and `GetOpenIdTokenForDeveloperIdentity`, SigV4-signed by the one set of
 * developer credentials it is given) that the local STS (`sts-service.ts`) verifies.
 */
import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import { AwsJsonError, type StaticCredentials, verifyJsonSignature } from '../core/aws-json';
import type { CredentialStore, IdentityPool } from '../core/credential-store';
import { CredentialStoreFullError, parseProviderName } from '../core/credential-store';
import { readLimitedBody } from '../core/http-body';
import { loopbackJwksCache } from '../core/jwks';
import { closeServer, LOOPBACK, listen } from '../stack/ports';

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
  readonly issuanceLimit?: { readonly perSecond: number; readonly burst: number };
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

/** The issuer (and STS provider) of Cognito Identity's OpenID tokens. */
export const COGNITO_IDENTITY_ISSUER = 'https://cognito-identity.amazonaws.com';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSCognitoIdentityService.';
const MAX_BODY_BYTES = 256 * 1024;
const MAX_TOKEN_LENGTH = 16 * 1024;
const OPEN_ID_TOKEN_LIFETIME_SECONDS = 600;
/** GetOpenIdTokenForDeveloperIdentity's TokenDuration bounds (seconds) and default. */
const MAX_TOKEN_DURATION_SECONDS = 86_400;
const DEFAULT_TOKEN_DURATION_SECONDS = 900;
/** Cognito's own validation pattern for identity (and identity pool) IDs. */
const ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;

const tooManyRequests = (message: string) => new AwsJsonError('TooManyRequestsException', message);
const notAuthorized = (message: string) => new AwsJsonError('NotAuthorizedException', message);
const invalidParameter = (message: string) => new AwsJsonError('InvalidParameterException', message);
const validation = (message: string) => new AwsJsonError('ValidationException', message);

type Input = Record<string, unknown>;

/** What an operation may need of the raw request: signed operations verify it. */
interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

function requireString(input: Input, field: string, pattern?: RegExp): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > 55) {
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint`,
    );
  }
  if (pattern && !pattern.test(value)) {
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return value;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The one `Logins` entry of a request: `{ providerName: idToken }`. */
function loginOf(input: Input): { providerName: string; token: string } {
  const logins = input.Logins;
  if (logins === undefined || logins === null) {
    throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
  }
  if (typeof logins !== 'object' || Array.isArray(logins)) throw validation("'logins' must be a map");
  const entries = Object.entries(logins as Record<string, unknown>);
  if (entries.length === 0)
    throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
  if (entries.length > 1) {
    // Linking several logins to one identity is not part of the local stack.
    throw invalidParameter('The local identity pool accepts exactly one login per request.');
  }
  const [providerName, token] = entries[0] as [string, unknown];
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw notAuthorized('Invalid login token. Not a valid OpenId Connect identity token.');
  }
  return { providerName, token };
}

interface VerifiedLogin {
  readonly pool: IdentityPool;
  readonly providerName: string;
  readonly sub: string;
  readonly identityId: string;
}

export async function startIdentityService(options: IdentityServiceOptions): Promise<IdentityService> {
  const { store } = options;
  const host = options.host ?? LOOPBACK;
  const region = options.region ?? 'us-east-1';
  const lifetimeSeconds = options.credentialLifetimeSeconds ?? 3600;
  const log = options.log ?? (() => {});
  const userPoolEndpoint = options.userPoolEndpoint.replace(/\/+$/, '');
  const issuance = issuanceLimiter(
    options.issuanceLimit ?? { perSecond: 5, burst: 30 },
    options.now ?? Date.now,
  );

  const jwksCache = loopbackJwksCache();
  const verifiers = new Map<string, ReturnType<typeof createVerifier>>();
  function createVerifier(providerName: string, clientId: string) {
    const userPoolId = parseProviderName(providerName)?.userPoolId;
    if (!userPoolId) throw notAuthorized("Invalid login token. Issuer doesn't match providerName");
    return JwtVerifier.create(
      {
        issuer: `https://${providerName}`,
        audience: clientId,
        // moto's openid-configuration is broken; its JWKS sits at a fixed path per pool.
        jwksUri: `${userPoolEndpoint}/${userPoolId}/.well-known/jwks.json`,
        customJwtCheck: ({ payload }) => {
          // Only ID tokens: an access token has no `aud` and must not mint credentials.
          if (payload.token_use !== 'id') throw new Error('not an ID token');
          if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('no sub');
        },
      },
      { jwksCache },
    );
  }
  function verifierFor(providerName: string, clientId: string) {
    const key = `${providerName}\n${clientId}`;
    let verifier = verifiers.get(key);
    if (!verifier) {
      verifier = createVerifier(providerName, clientId);
      verifiers.set(key, verifier);
    }
    return verifier;
  }

  /** Verifies a login against one pool; returns the user's `sub`. */
  async function verifyLogin(pool: IdentityPool, providerName: string, token: string): Promise<string> {
    const provider = pool.providers.find((candidate) => candidate.providerName === providerName);
    if (!provider) throw notAuthorized('Token is not from a supported provider of this identity pool.');
    try {
      const payload = await verifierFor(provider.providerName, provider.clientId).verify(token);
      // customJwtCheck has required a non-empty string `sub`.
      return String(payload.sub);
    } catch (error) {
      if (error instanceof FetchError) {
        throw new AwsJsonError(
          'ExternalServiceException',
          'The identity provider could not be reached to verify the login token.',
        );
      }
      if (error instanceof JwtBaseError || error instanceof Error) {
        // The reason is logged by class name only: messages of some errors quote token contents.
        log(`identity: login rejected (${error.constructor.name})`);
        throw notAuthorized('Invalid login token.');
      }
      throw error;
    }
  }

  function poolById(id: string): IdentityPool {
    const pool = store.getIdentityPool(id);
    if (!pool || pool.region !== region) {
      throw new AwsJsonError('ResourceNotFoundException', `IdentityPool '${id}' not found.`);
    }
    return pool;
  }

  /**
   * Resolves an identity ID and its login to the pool it belongs to. Identity IDs are derived from
   * (pool, provider, sub), so the pool is the one whose verified login derives exactly this ID.
   */
  async function verifyIdentity(
    identityId: string,
    providerName: string,
    token: string,
  ): Promise<VerifiedLogin> {
    const candidates = store
      .identityPools()
      .filter(
        (pool) =>
          pool.region === region && pool.providers.some((provider) => provider.providerName === providerName),
      );
    if (candidates.length === 0) {
      throw notAuthorized('Token is not from a supported provider of this identity pool.');
    }
    let verified = false;
    let lastError: unknown;
    for (const pool of candidates) {
      let sub: string;
      try {
        sub = await verifyLogin(pool, providerName, token);
      } catch (error) {
        lastError = error;
        continue;
      }
      verified = true;
      if (store.identityIdFor(pool, providerName, sub) === identityId) {
        return { pool, providerName, sub, identityId };
      }
    }
    if (!verified) throw lastError;
    throw notAuthorized(
      "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    );
  }

  function amrOf(login: VerifiedLogin): string[] {
    return ['authenticated', login.providerName, `${login.providerName}:CognitoSignIn:${login.sub}`];
  }

  // OpenID tokens are real RS256 tokens, signed by a key generated for this run and published at
  // /.well-known/jwks_uri like Cognito's; the local STS verifies them with it.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomUUID();
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: keyId, alg: 'RS256', use: 'sig' }] };

  function openIdToken(pool: IdentityPool, identityId: string, amr: string[], lifetime: number): string {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(privateKey, keyId, {
      iss: COGNITO_IDENTITY_ISSUER,
      sub: identityId,
      aud: pool.id,
      amr,
      iat: now,
      exp: now + lifetime,
    });
  }

  /** Only the developer credentials, correctly signed, may act for a developer provider. */
  async function verifyDeveloper(raw: RawRequest): Promise<void> {
    const developer = options.developerCredentials;
    // Identity credentials a user obtained are recognised too, so that they meet the refusal IAM
    // would give them (their role has no Cognito permission) rather than "unknown key".
    const caller = await verifyJsonSignature(
      { method: raw.method, url: raw.path, headers: raw.headers },
      raw.body,
      {
        service: 'cognito-identity',
        region,
        principals: { ...(developer ? { function: developer } : {}), store },
      },
    );
    if (caller.kind !== 'function') {
      throw new AwsJsonError(
        'AccessDeniedException',
        'User is not authorized to perform: cognito-identity:GetOpenIdTokenForDeveloperIdentity',
      );
    }
  }

  const operations: Record<string, (input: Input, raw: RawRequest) => Promise<unknown>> = {
    async GetOpenIdTokenForDeveloperIdentity(input, raw) {
      await verifyDeveloper(raw);
      const pool = poolById(requireString(input, 'IdentityPoolId', ID_PATTERN));
      const logins = input.Logins;
      if (typeof logins !== 'object' || logins === null || Array.isArray(logins)) {
        throw validation("1 validation error detected: Value at 'logins' failed to satisfy constraint");
      }
      const entries = Object.entries(logins as Record<string, unknown>);
      const [providerName, identifier] = (entries[0] ?? []) as [string?, unknown?];
      if (entries.length !== 1 || !providerName) {
        throw invalidParameter('The local identity pool accepts exactly one login per request.');
      }
      if (!pool.developerProviderName || providerName !== pool.developerProviderName) {
        throw notAuthorized(`Invalid login provider: ${providerName}`);
      }
      if (typeof identifier !== 'string' || identifier.length === 0 || identifier.length > 128) {
        throw validation("1 validation error detected: Value at 'logins' failed to satisfy constraint");
      }
      const duration = input.TokenDuration ?? DEFAULT_TOKEN_DURATION_SECONDS;
      if (
        !Number.isInteger(duration) ||
        (duration as number) < 1 ||
        (duration as number) > MAX_TOKEN_DURATION_SECONDS
      ) {
        throw validation(
          "1 validation error detected: Value at 'tokenDuration' failed to satisfy constraint: Member must have value between 1 and 86400",
        );
      }
      const identityId = store.identityIdFor(pool, providerName, identifier);
      if (input.IdentityId !== undefined && input.IdentityId !== identityId) {
        throw notAuthorized("Logins don't match. Please include at least one valid login for this identity.");
      }
      const amr = ['authenticated', providerName, `${providerName}:${pool.id}:${identifier}`];
      return { IdentityId: identityId, Token: openIdToken(pool, identityId, amr, duration as number) };
    },
    async GetId(input) {
      const pool = poolById(requireString(input, 'IdentityPoolId', ID_PATTERN));
      const { providerName, token } = loginOf(input);
      const sub = await verifyLogin(pool, providerName, token);
      return { IdentityId: store.identityIdFor(pool, providerName, sub) };
    },
    async GetCredentialsForIdentity(input) {
      const identityId = requireString(input, 'IdentityId', ID_PATTERN);
      const { providerName, token } = loginOf(input);
      const login = await verifyIdentity(identityId, providerName, token);
      const customRoleArn = input.CustomRoleArn;
      if (customRoleArn !== undefined && customRoleArn !== login.pool.authenticatedRole.arn) {
        throw invalidParameter('CustomRoleArn is not a role of this identity pool.');
      }
      // Counted only for verified logins: nobody can throttle another user's identity.
      if (!issuance.take(`${login.pool.id}\n${identityId}`)) throw tooManyRequests('Rate exceeded');
      let credentials: ReturnType<CredentialStore['issueCredentials']>;
      try {
        credentials = store.issueCredentials({
          identityId,
          identityPoolId: login.pool.id,
          amr: amrOf(login),
          lifetimeSeconds,
        });
      } catch (error) {
        if (error instanceof CredentialStoreFullError) throw tooManyRequests('Rate exceeded');
        throw error;
      }
      return {
        IdentityId: identityId,
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          // The JSON protocol carries timestamps as epoch seconds.
          Expiration: credentials.expiration.getTime() / 1000,
        },
      };
    },
    async GetOpenIdToken(input) {
      const identityId = requireString(input, 'IdentityId', ID_PATTERN);
      const { providerName, token } = loginOf(input);
      const login = await verifyIdentity(identityId, providerName, token);
      return {
        IdentityId: identityId,
        Token: openIdToken(login.pool, identityId, amrOf(login), OPEN_ID_TOKEN_LIFETIME_SECONDS),
      };
    },
    async DescribeIdentityPool(input) {
      const pool = poolById(requireString(input, 'IdentityPoolId', ID_PATTERN));
      return {
        IdentityPoolId: pool.id,
        IdentityPoolName: pool.name,
        AllowUnauthenticatedIdentities: false,
        AllowClassicFlow: true,
        ...(pool.developerProviderName ? { DeveloperProviderName: pool.developerProviderName } : {}),
        CognitoIdentityProviders: pool.providers.map((provider) => ({
          ProviderName: provider.providerName,
          ClientId: provider.clientId,
          ServerSideTokenCheck: false,
        })),
      };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    // Cognito Identity answers browsers from any origin: its unauthenticated calls carry no cookies.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader(
      'Access-Control-Expose-Headers',
      'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date',
    );
    if (req.method === 'OPTIONS') {
      res.writeHead(200, {
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers':
          req.headers['access-control-request-headers'] ?? 'content-type,x-amz-target',
        'Access-Control-Max-Age': '86400',
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    if (req.method === 'GET' && req.url === '/.well-known/jwks_uri') {
      send(res, 200, jwks, 'application/json');
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    try {
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new AwsJsonError('UnknownOperationException', 'Unknown operation', 404);
      }
      const body = await readLimitedBody(
        req,
        MAX_BODY_BYTES,
        () => new AwsJsonError('SerializationException', 'The request body is too large.'),
      );
      const operation = Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
      if (!operation) throw new AwsJsonError('UnknownOperationException', `Unknown operation ${target}`);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new AwsJsonError(
          'SerializationException',
          'Start of structure or map found where not expected.',
        );
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new AwsJsonError('SerializationException', 'The request body must be a JSON object.');
      }
      const output = await operation(input as Input, {
        method: req.method ?? 'POST',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      });
      log(`identity: ${operationName} 200`);
      send(res, 200, output);
    } catch (error) {
      const failure =
        error instanceof AwsJsonError
          ? error
          : new AwsJsonError('InternalErrorException', 'An internal error occurred.', 500);
      if (!(error instanceof AwsJsonError))
        log(`identity: ${operationName} failed: ${error instanceof Error ? error.name : typeof error}`);
      log(`identity: ${operationName || target || req.method} ${failure.status} ${failure.type}`);
      res.setHeader('x-amzn-ErrorType', failure.type);
      send(res, failure.status, { __type: failure.type, message: failure.message });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const port = await listen(server, host, options.port ?? 0, 'the local identity pool service');
  return { url: `http://${host}:${port}`, port, openIdKey: publicKey, close: () => closeServer(server) };
}

/**
 * Token buckets per key. Bounded: a bucket that has refilled completely holds no information, so
 * buckets are swept (once a second at most) when there are many.
 */
function issuanceLimiter(limit: { readonly perSecond: number; readonly burst: number }, now: () => number) {
  if (!(limit.perSecond > 0 && limit.burst >= 1)) throw new TypeError('issuanceLimit must be positive');
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = (limit.burst / limit.perSecond) * 1000;
  let lastSweep = 0;
  return {
    take(key: string): boolean {
      const at = now();
      if (buckets.size > 10_000 && at - lastSweep > 1_000) {
        lastSweep = at;
        for (const [name, bucket] of buckets) if (at - bucket.at >= fullAfterMs) buckets.delete(name);
      }
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.perSecond);
      bucket.at = at;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, contentType = JSON_CONTENT_TYPE): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function signJwt(key: KeyObject, kid: string, payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ kid, typ: 'JWT', alg: 'RS256' })}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url');
  return `${unsigned}.${signature}`;
}
