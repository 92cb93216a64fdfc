/**
 * The two functions, wired to the front doors as the deployed stack wires them: each configured
 * through the environment contract (the variables the construct writes), each calling AWS with its
 * own keys, and the API function imported from its deployed entry point.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { createLedger } from '../../lambdas/aws/ledger';
import { loadEventsConfig } from '../../lambdas/events/config';
import { createEventsHandler } from '../../lambdas/events/process';
import {
  type AccessMode,
  type ApiSettings,
  EVENTS_FUNCTION_VARIABLES,
  readEnvironment,
  variableName,
  writeEnvironment,
} from '../../shared/contract/environment';
import type { ScanSettingsInput } from '../../shared/domain/scan';
import type { PolicyDocument } from '../../shared/policy/access-policy';
import { buildEventsFunctionPolicy } from '../../shared/policy/events-policy';
import { type ApiAdapterOptions, type LambdaProxyHandler, startApiAdapter } from '../apigateway/adapter';
import { type DeliveryFaults, faultsFromEnv, startStorageEvents } from '../storage-events/delivery';
import type { BootstrapResult as Bootstrapped } from './bootstrap';
import { type DoorSettings, type FrontDoors, LEDGER_TABLE } from './front-doors';
import type { Stops } from './stops';

/** What a deployer sets for both functions (the construct's props, locally options or `npm start`'s env). */
export interface DeploymentOptions {
  /** `UPLOAD_RULES` JSON. @default `process.env.UPLOAD_RULES` */
  readonly uploadRules?: string;
  /** @default `QUOTA_BYTES` / `QUOTA_OBJECTS` from the environment (none) */
  readonly quota?: { readonly bytes?: number; readonly objects?: number };
  /** @default `GROUP_QUOTA_BYTES` / `GROUP_QUOTA_OBJECTS` from the environment (none) */
  readonly groupQuota?: { readonly bytes?: number; readonly objects?: number };
  /** Malware scanning's settings, `false` for none. @default `MALWARE_SCANNING` from the environment (off) */
  readonly malwareScanning?: ScanSettingsInput | false;
}

/** The events function's role: the bucket policy lets it read objects before their scan ends. */
export const EVENTS_ROLE_ARN = 'arn:aws:iam::000000000000:role/user-files-local-events';

/** The options' values, written as the variables they override (the contract parses them). */
function optionVariables(options: DeploymentOptions): Record<string, string> {
  const scanning = options.malwareScanning;
  return {
    ...(options.uploadRules === undefined ? {} : { UPLOAD_RULES: options.uploadRules }),
    ...(scanning === undefined
      ? {}
      : { MALWARE_SCANNING: scanning === false ? '0' : JSON.stringify(scanning) }),
  };
}

/**
 * The deployer's settings both functions share: the options, else this process's environment, read
 * by the contract's parsers so a bad value stops the start with the message a function would give.
 */
export function deploymentSettings(options: DeploymentOptions, bucketName: string, env = process.env) {
  const read = readEnvironment(
    [
      'maxUploadBytes',
      'uploadRules',
      'quotaBytes',
      'quotaObjects',
      'groupQuotaBytes',
      'groupQuotaObjects',
      'defaultUrlLifetimeSeconds',
      'maxUrlLifetimeSeconds',
      'incompleteUploadExpiryDays',
      'malwareScanning',
    ],
    { ...env, ...optionVariables(options) },
  );
  const quota = options.quota ? { quotaBytes: options.quota.bytes, quotaObjects: options.quota.objects } : {};
  const groupQuota = options.groupQuota
    ? { groupQuotaBytes: options.groupQuota.bytes, groupQuotaObjects: options.groupQuota.objects }
    : {};
  return { ...read, ...quota, ...groupQuota, bucketName, ledgerTable: LEDGER_TABLE };
}

export type Deployment = ReturnType<typeof deploymentSettings>;

/**
 * The events function's variables: only those it reads (the contract's list), as the construct
 * writes them, never the API function's share of the deployment (such as `MALWARE_SCANNING`).
 */
export function eventsFunctionVariables(deployment: Deployment): Record<string, string> {
  const settings: Record<string, unknown> = deployment;
  return writeEnvironment(Object.fromEntries(EVENTS_FUNCTION_VARIABLES.map((key) => [key, settings[key]])));
}

/** The audit credential outlives any realistic `npm start` session (a year). */
const AUDIT_CREDENTIALS_LIFETIME_SECONDS = 365 * 24 * 3600;

/** What `npm run audit` may do in the bucket: list it, nothing more. */
export function buildAuditPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ListForAudit', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] }],
  };
}

/** Read-only credentials for `npm run audit`, valid while the stack runs. */
export function issueAuditCredentials(doors: FrontDoors, bucketName: string) {
  const { accessKeyId, secretAccessKey, sessionToken } = doors.store.issueRoleCredentials(
    'arn:aws:iam::000000000000:role/user-files-local-audit',
    buildAuditPolicy(`arn:aws:s3:::${bucketName}`),
    AUDIT_CREDENTIALS_LIFETIME_SECONDS,
  );
  return { accessKeyId, secretAccessKey, sessionToken };
}

/**
 * The events function: its configuration parsed as the deployed one parses its variables, its
 * DynamoDB calls signed with its own keys, its S3 calls with its role's credentials, authorized by
 * the gateway against the role policy the stack deploys.
 */
export function startEventsFunction(
  settings: DoorSettings & { readonly faults: DeliveryFaults | undefined },
  doors: FrontDoors,
  deployment: Deployment,
  stops: Stops,
) {
  const { region, log } = settings;
  const config = loadEventsConfig({ AWS_REGION: region, ...eventsFunctionVariables(deployment) });
  const roleCredentials = doors.store.issueRoleCredentials(
    EVENTS_ROLE_ARN,
    buildEventsFunctionPolicy(`arn:aws:s3:::${config.bucketName}`),
  );
  const dynamo = new DynamoDBClient({ region, endpoint: doors.dynamodb.url, credentials: doors.keys.events });
  const s3 = new S3Client({
    region,
    endpoint: doors.s3.url,
    forcePathStyle: true,
    credentials: roleCredentials,
  });
  stops.add(async () => {
    dynamo.destroy();
    s3.destroy();
  });
  const events = startStorageEvents({
    region,
    motoAgent: doors.moto.agent,
    adminCredentials: doors.keys.admin,
    faults: settings.faults ?? faultsFromEnv(process.env),
    handler: createEventsHandler({
      bucket: config.bucketName,
      ledger: createLedger({ client: dynamo, tableName: config.ledgerTable }),
      s3,
      uploadRules: config.uploadRules,
      quota: config.quota,
      groupQuota: config.groupQuota,
      log: (message, fields) => log?.(`events: ${message} ${JSON.stringify(fields)}`),
    }),
  });
  stops.add(() => events.close());
  return events;
}

export interface ApiFunctionOptions {
  readonly accessMode: AccessMode;
  readonly sessionDurationSeconds: number;
  readonly allowedOrigins: readonly string[];
  readonly quiet: boolean;
  readonly userRateLimit: ApiAdapterOptions['userRateLimit'] | undefined;
  readonly guestRateLimit: ApiAdapterOptions['guestRateLimit'] | undefined;
}

/** The API function behind the API Gateway adapter; returns the API's URL. */
export async function startApiFunction(
  settings: DoorSettings,
  doors: FrontDoors,
  created: Bootstrapped,
  deployment: Deployment,
  options: ApiFunctionOptions,
  stops: Stops,
): Promise<string> {
  const handler = await loadHandler({
    ...functionEndpoints(settings.region, doors),
    // Without a store (or guest access), set empty (read as unset) so none inherited from the
    // shell applies.
    [variableName('sessionTable')]: '',
    [variableName('sessionKeyId')]: '',
    [variableName('unauthenticatedRoleArn')]: '',
    ...writeEnvironment(apiSettings(created, deployment, options)),
    ...(options.quiet ? { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL || 'WARN' } : {}),
  });
  const api = await startApiAdapter({
    host: settings.host,
    port: settings.ports.api ?? 0,
    handler,
    userPoolId: created.userPoolId,
    region: settings.region,
    userPoolEndpoint: doors.userPool.url,
    allowedOrigins: options.allowedOrigins,
    ...(options.userRateLimit === undefined ? {} : { userRateLimit: options.userRateLimit }),
    ...(options.guestRateLimit === undefined ? {} : { guestRateLimit: options.guestRateLimit }),
    // The construct creates the guest routes only with guest access.
    guestRoutes: created.unauthenticatedRoleArn !== undefined,
  });
  stops.add(() => api.close());
  return api.url;
}

/** What the construct writes for the API function, with the values the bootstrap created. */
function apiSettings(
  created: Bootstrapped,
  deployment: Deployment,
  options: ApiFunctionOptions,
): Omit<ApiSettings, 'region'> {
  return {
    ...deployment,
    accessMode: options.accessMode,
    authenticatedRoleArn: created.authenticatedRoleArn,
    // The function serves the guest routes exactly when this is set.
    ...(created.unauthenticatedRoleArn ? { unauthenticatedRoleArn: created.unauthenticatedRoleArn } : {}),
    sessionDurationSeconds: options.sessionDurationSeconds,
    ...(created.developerProviderName ? { developerProviderName: created.developerProviderName } : {}),
    // Only direct mode resolves identities through the directory (as the stack wires it).
    ...(options.accessMode === 'direct' ? { identityDirectoryTable: created.identityDirectoryTable } : {}),
    ...(created.sessionTable && created.sessionKey
      ? { sessionTable: created.sessionTable, sessionKeyId: created.sessionKey.id }
      : {}),
    userPoolId: created.userPoolId,
    userPoolClientIds: [created.userPoolClientId],
    identityPoolId: created.identityPoolId,
    allowedOrigins: [...options.allowedOrigins],
  };
}

/** The standard endpoint overrides and the function's own keys, as its role's are in Lambda. */
function functionEndpoints(region: string, doors: FrontDoors): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: doors.identity.url,
    AWS_ENDPOINT_URL_S3: doors.s3.url,
    AWS_ENDPOINT_URL_STS: doors.sts.url,
    // The function's keys sign GetOpenIdTokenForDeveloperIdentity (checked by the identity
    // service) and its table calls (the DynamoDB door allows exactly its deployed grants).
    // Per-user S3 clients are built with the callers' credentials and never read these.
    AWS_ENDPOINT_URL_DYNAMODB: doors.dynamodb.url,
    // AdminGetUser for sharing (the user pool's front door lets these keys call nothing else).
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: doors.userPool.url,
    // The session store's data keys (the KMS door lets these keys use the session key only).
    AWS_ENDPOINT_URL_KMS: doors.kms.url,
    AWS_ACCESS_KEY_ID: doors.keys.function.accessKeyId,
    AWS_SECRET_ACCESS_KEY: doors.keys.function.secretAccessKey,
    // Overrides one inherited from the shell, which would not match these keys.
    AWS_SESSION_TOKEN: '',
  };
}

/** The handler's configuration, fixed at its import: one per process (see `loadHandler`). */
let handlerEnvironment: string | undefined;

/**
 * Sets the handler's environment, exactly the variables the deployed function gets plus the
 * standard endpoint overrides, then imports the deployed entry point. The handler parses its
 * configuration once at import (as a Lambda instance does at init), so a process can only serve one
 * configuration; asking for another is refused instead of silently reusing stale endpoints.
 */
async function loadHandler(environment: Record<string, string>): Promise<LambdaProxyHandler> {
  const key = JSON.stringify(environment);
  if (handlerEnvironment !== undefined && handlerEnvironment !== key) {
    throw new Error(
      "The handler is already loaded in this process with another local stack's configuration; start a second stack with `api: false` or in another process.",
    );
  }
  Object.assign(process.env, environment);
  handlerEnvironment = key;
  const module = await import('../../lambdas/api/handler');
  return module.handler as unknown as LambdaProxyHandler;
}
