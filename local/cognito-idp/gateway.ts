/**
 * The local user pool's front door (the `CognitoIdpEndpoint`): Cognito's JSON protocol
 * (`X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`) in front of moto, checking callers as
 * Cognito does. The operations Cognito serves without IAM credentials (sign-up, sign-in and those
 * the user's own access token authorizes) pass through; every other one (Admin*, ListUsers,
 * CreateUserPool, ...) needs a SigV4 signature by the stack's admin credentials. The public JWKS of
 * each pool is served; nothing else of moto is reachable.
 */
import { randomUUID } from 'node:crypto';
import { type Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { USER_POOL_GRANTS } from '../../shared/contract/grants';
import {
  AWS_JSON_CONTENT_TYPE,
  AwsJsonError,
  accessDenied,
  forwardToMoto,
  type Principals,
  parseJsonObject,
  readBody,
  sendError,
  targetOperation,
  verifyJsonSignature,
} from '../core/aws-json';
import type { MotoServer } from '../moto/moto';
import { closeServer, LOOPBACK, listen } from '../stack/ports';

export interface UserPoolGatewayOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly moto: Pick<MotoServer, 'agent'>;
  /** Who may call the IAM-authorized operations (the admin); identity-pool keys are refused. */
  readonly principals: Principals;
  /** @default 'us-east-1' */
  readonly region?: string;
  /**
   * The pool whose users and groups' members the function may read (its role's
   * `USER_POOL_GRANTS.api` on that pool's ARN); read per request, as the pool is created after the
   * gateway starts.
   */
  readonly functionUserPoolId?: () => string | undefined;
  /** One line per request: operation and outcome, never tokens or passwords. @default silent */
  readonly log?: (line: string) => void;
}

export interface UserPoolGateway {
  /** Base URL, for `endpoint` / `--endpoint-url` / `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const MAX_BODY_BYTES = 256 * 1024;

/**
 * The operations Cognito's service model marks as callable without SigV4: public ones (sign-up,
 * sign-in, password reset) and those authorized by the user's access token or session.
 */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set([
  'AssociateSoftwareToken',
  'ChangePassword',
  'CompleteWebAuthnRegistration',
  'ConfirmDevice',
  'ConfirmForgotPassword',
  'ConfirmSignUp',
  'DeleteUser',
  'DeleteUserAttributes',
  'DeleteWebAuthnCredential',
  'ForgetDevice',
  'ForgotPassword',
  'GetDevice',
  'GetTokensFromRefreshToken',
  'GetUser',
  'GetUserAttributeVerificationCode',
  'GetUserAuthFactors',
  'GlobalSignOut',
  'InitiateAuth',
  'ListDevices',
  'ListUserSessions',
  'ListWebAuthnCredentials',
  'ResendConfirmationCode',
  'RespondToAuthChallenge',
  'RevokeToken',
  'RevokeUserSession',
  'SetUserMFAPreference',
  'SetUserSettings',
  'SignUp',
  'StartWebAuthnRegistration',
  'UpdateAuthEventFeedback',
  'UpdateDeviceStatus',
  'UpdateUserAttributes',
  'VerifySoftwareToken',
  'VerifyUserAttribute',
]);

/** The IAM-authorized operations the function's role is granted, on its own pool (the contract's). */
const FUNCTION_OPERATIONS: ReadonlySet<string> = new Set(USER_POOL_GRANTS.api);

/** What the JS SDK and plain fetch clients send in a browser. */
const CORS_REQUEST_HEADERS =
  'content-type, x-amz-target, x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256';

/** `/{userPoolId}/.well-known/jwks.json`, the pool's public keys. */
const JWKS_PATH = /^\/([\w-]+_[0-9a-zA-Z]+)\/\.well-known\/jwks\.json$/;

/** What serving a request needs, fixed at start. */
interface Door {
  readonly agent: Agent;
  readonly region: string;
  /** moto reads the region of a request from its host name, as AWS's endpoints carry it. */
  readonly upstreamHost: string;
  readonly options: UserPoolGatewayOptions;
  readonly log: (line: string) => void;
}

export async function startUserPoolGateway(options: UserPoolGatewayOptions): Promise<UserPoolGateway> {
  const host = options.host ?? LOOPBACK;
  const region = options.region ?? 'us-east-1';
  const door: Door = {
    agent: options.moto.agent,
    region,
    upstreamHost: `cognito-idp.${region}.amazonaws.com`,
    options,
    log: options.log ?? (() => {}),
  };
  const server = createServer((req, res) => {
    if (answerCors(req, res)) return;
    const requestId = randomUUID();
    handle(door, req, res).then(
      (outcome) => door.log(`cognito-idp: ${outcome}`),
      (error: unknown) => refuse(door, res, error, requestId),
    );
  });
  const port = await listen(server, host, options.port ?? 0, 'the user pool gateway');
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => closeServer(server),
  };
}

/**
 * As Cognito's endpoint does, so web apps can sign in: any origin, no cookies. What it serves
 * without credentials needs none; everything else still needs the admin's SigV4 signature.
 * True when this was a preflight, answered here.
 */
function answerCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage');
  if (req.method !== 'OPTIONS') return false;
  req.resume();
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST',
    'Access-Control-Allow-Headers': CORS_REQUEST_HEADERS,
    'Access-Control-Max-Age': '86400',
  });
  res.end();
  return true;
}

/** A pool's JWKS, or an authorized operation passed to moto; answers a one-line outcome for the log. */
async function handle(door: Door, req: IncomingMessage, res: ServerResponse): Promise<string> {
  const path = req.url ?? '/';
  if (req.method === 'GET' && JWKS_PATH.test(path)) {
    const status = await forwardToMoto(door.agent, res, {
      method: 'GET',
      path,
      headers: { host: door.upstreamHost },
    });
    return `jwks ${status}`;
  }
  if (req.method !== 'POST' || path !== '/') {
    req.resume();
    throw new AwsJsonError('UnknownOperationException', 'Not found.', 404);
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  const operation = targetOperation(req, TARGET_PREFIX);
  if (!operation) throw new AwsJsonError('UnknownOperationException', 'Unknown operation.');
  if (!PUBLIC_OPERATIONS.has(operation)) await authorize(door, req, body, operation);
  // What was authorized, re-serialized: moto sees the operation and these parameters, nothing else.
  const input = parseJsonObject(body);
  refuseReservedAttributes(input);
  const status = await forwardToMoto(door.agent, res, {
    method: 'POST',
    path: '/',
    headers: {
      host: door.upstreamHost,
      'content-type': AWS_JSON_CONTENT_TYPE,
      'x-amz-target': `${TARGET_PREFIX}${operation}`,
    },
    body: Buffer.from(JSON.stringify(input), 'utf8'),
  });
  return `${operation} ${status}`;
}

/**
 * A user attribute named `cognito:…` (`cognito:groups` above all) is refused, as Cognito's schema
 * has none. moto would store it, and emits stored attributes an app client reads in ID tokens: so
 * a token's `cognito:groups` can only ever come from moto's group membership, never from a client.
 */
function refuseReservedAttributes(input: Record<string, unknown>): void {
  const attributes: unknown[] = Array.isArray(input.UserAttributes) ? input.UserAttributes : [];
  const names = attributes.map((attribute) =>
    typeof attribute === 'object' && attribute !== null ? (attribute as { Name?: unknown }).Name : undefined,
  );
  const reserved = names.find((name) => typeof name === 'string' && /^cognito:/i.test(name));
  if (reserved !== undefined) {
    throw new AwsJsonError(
      'InvalidParameterException',
      `Attributes did not conform to the schema: ${String(reserved)}: Attribute does not exist in the schema.`,
    );
  }
}

/**
 * An IAM-authorized operation: the admin may call any; the function only its granted ones
 * (`AdminGetUser`, `ListUsersInGroup`), only on its own pool.
 */
async function authorize(door: Door, req: IncomingMessage, body: Buffer, operation: string): Promise<void> {
  const { region, options } = door;
  const caller = await verifyJsonSignature(req, body, {
    service: 'cognito-idp',
    region,
    principals: options.principals,
  });
  const poolId = parseJsonObject(body).UserPoolId;
  const functionPool = options.functionUserPoolId?.();
  const functionMayCall =
    caller.kind === 'function' &&
    FUNCTION_OPERATIONS.has(operation) &&
    functionPool !== undefined &&
    poolId === functionPool;
  if (caller.kind !== 'admin' && !functionMayCall) {
    const resource = `arn:aws:cognito-idp:${region}:000000000000:userpool/${typeof poolId === 'string' ? poolId : '*'}`;
    throw accessDenied(caller, `cognito-idp:${operation}`, resource);
  }
}

/** Cognito's error for what was refused; anything unexpected is a bare 500, logged by name only. */
function refuse(door: Door, res: ServerResponse, error: unknown, requestId: string): void {
  const refusal =
    error instanceof AwsJsonError
      ? error
      : new AwsJsonError('InternalErrorException', 'Internal error.', 500);
  if (!(error instanceof AwsJsonError)) {
    door.log(`cognito-idp: unexpected ${error instanceof Error ? error.name : typeof error}`);
  } else {
    door.log(`cognito-idp: refused ${refusal.type}`);
  }
  if (res.headersSent) res.destroy();
  else sendError(res, refusal, requestId);
}
