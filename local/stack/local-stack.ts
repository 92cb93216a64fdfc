/**
 * The whole system on loopback: moto (user pool, raw storage, identity directory) on a private Unix
 * socket, and in front of it the only ways in, each checking callers as AWS does: the user-pool
 * gateway, the identity pool service, the S3 gateway that enforces SigV4 and the role policy, the
 * DynamoDB gateway and the KMS door (the session key); then the bootstrap that creates what `cdk deploy` would, and the API Gateway
 * adapter invoking the deployed handler in process.
 * Used by `npm start` and by the e2e suite; `outputs` has the deployed stack's output names.
 */

import type { JsonWebKey } from 'node:crypto';
import type { AccessMode } from '../../shared/contract/environment';
import type { ScanSettings, ScanSettingsInput } from '../../shared/domain/scan';
import type { ApiAdapterOptions } from '../apigateway/adapter';
import type { StaticCredentials } from '../core/aws-json';
import type { Scanner } from '../scanner/scanner';
import type { DeliveryFaults, StorageEvents } from '../storage-events/delivery';
import type { SessionCredentials } from './admin-keys';
import { bootstrap, type DemoUser } from './bootstrap';
import {
  type DoorSettings,
  type FrontDoors,
  IDENTITY_DIRECTORY_TABLE,
  LEDGER_TABLE,
  SESSIONS_TABLE,
  startFrontDoors,
} from './front-doors';
import {
  type Deployment,
  deploymentSettings,
  issueAuditCredentials,
  startApiFunction,
  startEventsFunction,
} from './functions';
import { LOOPBACK } from './ports';
import { startScanning } from './scanning';
import { createStops, type Stops } from './stops';

export type { AccessMode } from '../../shared/contract/environment';
export { buildAuditPolicy } from './functions';

export interface LocalStackPorts {
  /** The API (API Gateway adapter). 0 or omitted: a free port. */
  readonly api?: number;
  /** The user pool endpoint (the gateway in front of moto's cognito-idp). */
  readonly userPool?: number;
  /** The Cognito Identity endpoint. */
  readonly identity?: number;
  /** The S3 endpoint (the gateway). */
  readonly s3?: number;
  /** The DynamoDB endpoint (the gateway in front of the identity directory and ledger tables). */
  readonly dynamodb?: number;
  /** The STS endpoint. */
  readonly sts?: number;
  /** The KMS endpoint (the door in front of moto's KMS: the session key). */
  readonly kms?: number;
}

export interface LocalStackOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly ports?: LocalStackPorts;
  /** Browser origins for the API's and the bucket's CORS. @default DEFAULT_ALLOWED_ORIGINS */
  readonly allowedOrigins?: readonly string[];
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Keep the parts' request logs (and the handler's access log) off the console. @default false */
  readonly quiet?: boolean;
  /** Serve the API (importing the handler). A storage-only stack skips it. @default true */
  readonly api?: boolean;
  /**
   * Only for mutation tests: the identity variable of the role policy (`*` breaks isolation on
   * purpose). Never set by `npm start`. @default the real `${cognito-identity.amazonaws.com:sub}`
   */
  readonly policyIdentityVariable?: string;
  /** `UPLOAD_RULES` for the handler (JSON, see `UploadRulesSchema`). @default `process.env.UPLOAD_RULES` */
  readonly uploadRules?: string;
  /** As the stack's `accessMode` (README "Access modes"). @default 'sealed' */
  readonly accessMode?: AccessMode;
  /** The function's STS sessions and the role's maximum. @default 43200 (12 h) */
  readonly sessionDurationSeconds?: number;
  /** Per-user quota for both functions. @default `QUOTA_BYTES` / `QUOTA_OBJECTS` from the environment (none) */
  readonly quota?: { readonly bytes?: number; readonly objects?: number };
  /** Per-group quota for both functions. @default `GROUP_QUOTA_BYTES` / `GROUP_QUOTA_OBJECTS` (none) */
  readonly groupQuota?: { readonly bytes?: number; readonly objects?: number };
  /** How storage events are delivered. @default `EVENTS_DUPLICATE` / `EVENTS_REORDER` / `EVENTS_DELAY_MS` (none) */
  readonly eventFaults?: DeliveryFaults;
  /** The API's per-user request limit (see `ApiAdapterOptions`); `false` for none. @default the adapter's */
  readonly userRateLimit?: ApiAdapterOptions['userRateLimit'];
  /** The guest routes' limit per address (`ApiAdapterOptions`); `false` for none. @default the adapter's */
  readonly guestRateLimit?: ApiAdapterOptions['guestRateLimit'];
  /**
   * Guest access, as the stack's `guestAccess`: the identity pool's unauthenticated role and
   * unauthenticated identities, the guest routes, and the function's `UNAUTHENTICATED_ROLE_ARN`.
   * @default `GUEST_ACCESS` from the environment (`0` or `1`), else true
   */
  readonly guestAccess?: boolean;
  /**
   * The fleet-wide session store: its table and KMS key, and the API function's `SESSION_TABLE` and
   * `SESSION_KEY_ID`. `false` starts a stack without it (each instance then mints its own). @default true
   */
  readonly sessionStore?: boolean;
  /**
   * Malware scanning, as the stack's `malwareScanning`: the bucket policy that holds reads until an
   * object is scanned clean, the local scanner, and both functions' `MALWARE_SCANNING`. `false`:
   * off. @default `MALWARE_SCANNING` from the environment (off when unset)
   */
  readonly malwareScanning?: ScanSettingsInput | false;
  /** The scanner's wait after each write. @default `SCAN_DELAY_MS` from the environment, else 300 */
  readonly scanDelayMs?: number;
}

/** The deployed stack's outputs, plus the local endpoints and the demo users. */
export interface LocalStackOutputs {
  readonly Region: string;
  readonly UserPoolId: string;
  readonly UserPoolClientId: string;
  readonly IdentityPoolId: string;
  readonly BucketName: string;
  /** Empty when the stack was started with `api: false`. */
  readonly ApiUrl: string;
  readonly CognitoIdpEndpoint: string;
  readonly CognitoIdentityEndpoint: string;
  readonly S3Endpoint: string;
  readonly DynamoDbEndpoint: string;
  readonly StsEndpoint: string;
  readonly KmsEndpoint: string;
  readonly AccessMode: AccessMode;
  /** The usage ledger (the audit reads it with the admin keys). */
  readonly LedgerTable: string;
  /** The session store's table; empty when the stack was started with `sessionStore: false`. */
  readonly SessionTable: string;
  /** Whether guests may read `public` (the identity pool's unauthenticated role, the guest routes). */
  readonly GuestAccess: boolean;
  /**
   * A public file's permanent link: `{identityId}` and `{key}` (its path in the owner's `public`
   * folder, each segment URL-encoded) to fill in. Empty without guest access or without the API.
   */
  readonly PublicUrlTemplate: string;
  readonly DemoUsers: readonly DemoUser[];
  /** The user-pool group both demo users are in; its team folder is `groups/{DemoGroup}/`. */
  readonly DemoGroup: string;
  /** Malware scanning's settings (scanned prefixes, `onUnsupported`), or false when it is off. */
  readonly MalwareScanning: ScanSettings | false;
}

export interface LocalStack {
  readonly outputs: LocalStackOutputs;
  /**
   * The stack's admin keys, generated at start and never written anywhere: the only ones the user
   * pool's IAM-authorized operations (AdminCreateUser, ...) and table management accept.
   */
  readonly adminCredentials: StaticCredentials;
  /** The private key (JWK) the user pool signs its tokens with, generated at start; for tests. */
  readonly userPoolSigningKey: JsonWebKey;
  /**
   * The function's own credentials (its role, in AWS): the only ones that may call
   * `GetOpenIdTokenForDeveloperIdentity`. New on every start; never written to the outputs.
   */
  readonly functionCredentials: StaticCredentials;
  /** The events function's own keys (its role's, in AWS); for tests of what its role may not do. */
  readonly eventsCredentials: StaticCredentials;
  /** Sealed mode: the identity pool's developer provider name. */
  readonly developerProviderName?: string;
  readonly authenticatedRoleArn: string;
  /** With guest access: the pool's unauthenticated role (the function's `UNAUTHENTICATED_ROLE_ARN`). */
  readonly unauthenticatedRoleArn?: string;
  /** The session store's KMS key ID, as the API function's `SESSION_KEY_ID`; none without the store. */
  readonly sessionKeyId?: string;
  /** The bucket's event delivery to the events function: `drain()` waits until it is idle. */
  readonly events: StorageEvents;
  /** With malware scanning: the local scanner (`drain()` waits until every scan so far ended). */
  readonly scanner?: Scanner;
  /**
   * Read-only credentials for `npm run audit`: `s3:ListBucket` on the bucket and nothing else (the
   * ledger it reads with the admin keys). Issued at start, valid while the stack runs.
   */
  readonly auditCredentials: SessionCredentials;
  /** Stops every part, moto's process included; safe to call more than once. */
  stop(): Promise<void>;
}

export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['http://localhost:5173', 'http://localhost:3000'];

/** `GUEST_ACCESS`: `0` off, `1` (or unset) on; anything else is refused, naming the variable. */
export function guestAccessFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env.GUEST_ACCESS;
  if (raw === undefined || raw === '' || raw === '1') return true;
  if (raw === '0') return false;
  throw new TypeError(`GUEST_ACCESS=${raw} is not 0 or 1: 0 starts without guest access.`);
}

/**
 * What watches the bucket's writes, as the deployed stack wires them: the events function (from the
 * queue) and, with scanning on, the scanner (GuardDuty's part), each told of every write.
 */
function startStorageWatchers(
  settings: DoorSettings,
  options: LocalStackOptions,
  doors: FrontDoors,
  deployment: Deployment,
  stops: Stops,
) {
  const events = startEventsFunction({ ...settings, faults: options.eventFaults }, doors, deployment, stops);
  const scanner = startScanning(
    { ...settings, delayMs: options.scanDelayMs },
    doors,
    deployment,
    events,
    stops,
  );
  doors.deliverEventsTo((write) => {
    events.onEvent(write);
    scanner?.onEvent(write);
  });
  return { events, scanner };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const settings: DoorSettings = {
    host: options.host ?? LOOPBACK,
    region: options.region ?? 'us-east-1',
    ports: options.ports ?? {},
    log: options.quiet ? undefined : (line: string) => console.log(line),
  };
  const accessMode = options.accessMode ?? 'sealed';
  const sessionDurationSeconds = options.sessionDurationSeconds ?? 43_200;
  const allowedOrigins = options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS;
  const guestAccess = options.guestAccess ?? guestAccessFromEnv();
  const stops = createStops();
  try {
    const doors = await startFrontDoors(settings, stops);
    const created = await bootstrap({
      region: settings.region,
      endpoints: { userPool: doors.userPool.url, dynamodb: doors.dynamodb.url, kms: doors.kms.url },
      motoAgent: doors.moto.agent,
      adminCredentials: doors.keys.admin,
      identityDirectoryTable: IDENTITY_DIRECTORY_TABLE,
      ledgerTable: LEDGER_TABLE,
      ...((options.sessionStore ?? true) ? { sessionTable: SESSIONS_TABLE } : {}),
      allowedOrigins,
      store: doors.store,
      accessMode,
      sessionDurationSeconds,
      guestAccess,
      ...(options.policyIdentityVariable ? { policyIdentityVariable: options.policyIdentityVariable } : {}),
    });
    doors.allowFunctionUserPool(created.userPoolId);
    if (created.sessionKey) doors.allowSessionKey(created.sessionKey);
    const deployment = deploymentSettings(options, created.bucketName);
    const { events, scanner } = startStorageWatchers(settings, options, doors, deployment, stops);
    const apiUrl =
      (options.api ?? true)
        ? await startApiFunction(
            settings,
            doors,
            created,
            deployment,
            {
              accessMode,
              sessionDurationSeconds,
              allowedOrigins,
              quiet: options.quiet ?? false,
              userRateLimit: options.userRateLimit,
              guestRateLimit: options.guestRateLimit,
            },
            stops,
          )
        : '';
    return {
      outputs: outputsOf(settings.region, doors, created, accessMode, apiUrl, deployment),
      events,
      ...(scanner ? { scanner } : {}),
      adminCredentials: doors.keys.admin,
      auditCredentials: issueAuditCredentials(doors, created.bucketName),
      userPoolSigningKey: {
        ...doors.moto.signingKey.export({ format: 'jwk' }),
        kid: doors.moto.signingKeyId,
        alg: 'RS256',
      },
      functionCredentials: doors.keys.function,
      eventsCredentials: doors.keys.events,
      authenticatedRoleArn: created.authenticatedRoleArn,
      ...(created.unauthenticatedRoleArn ? { unauthenticatedRoleArn: created.unauthenticatedRoleArn } : {}),
      ...(created.sessionKey ? { sessionKeyId: created.sessionKey.id } : {}),
      ...(created.developerProviderName ? { developerProviderName: created.developerProviderName } : {}),
      stop: () => stops.stop(),
    };
  } catch (error) {
    await stops.stop().catch(() => undefined);
    throw error;
  }
}

function outputsOf(
  region: string,
  doors: FrontDoors,
  created: Awaited<ReturnType<typeof bootstrap>>,
  accessMode: AccessMode,
  apiUrl: string,
  deployment: Deployment,
): LocalStackOutputs {
  return {
    Region: region,
    MalwareScanning: deployment.malwareScanning ?? false,
    UserPoolId: created.userPoolId,
    UserPoolClientId: created.userPoolClientId,
    IdentityPoolId: created.identityPoolId,
    BucketName: created.bucketName,
    ApiUrl: apiUrl,
    CognitoIdpEndpoint: doors.userPool.url,
    CognitoIdentityEndpoint: doors.identity.url,
    S3Endpoint: doors.s3.url,
    DynamoDbEndpoint: doors.dynamodb.url,
    StsEndpoint: doors.sts.url,
    KmsEndpoint: doors.kms.url,
    AccessMode: accessMode,
    LedgerTable: LEDGER_TABLE,
    SessionTable: created.sessionTable ?? '',
    GuestAccess: created.unauthenticatedRoleArn !== undefined,
    PublicUrlTemplate:
      created.unauthenticatedRoleArn !== undefined && apiUrl !== ''
        ? `${apiUrl}public/{identityId}/{key}`
        : '',
    DemoUsers: created.demoUsers,
    DemoGroup: created.demoGroup,
  };
}
