/**
 * moto on its private socket and every front door in front of it, each checking callers as AWS
 * does: the user pool, the identity pool, STS, the S3 gateway (SigV4 and the role policy),
 * DynamoDB and KMS. Nothing here knows the functions; the stack wires them to these endpoints.
 */
import { randomBytes } from 'node:crypto';
import { startIdentityService } from '../cognito-identity/service';
import { startUserPoolGateway } from '../cognito-idp/gateway';
import type { Principals, StaticCredentials } from '../core/aws-json';
import { type CredentialStore, createCredentialStore } from '../core/credential-store';
import type { ResourcePolicyDocument } from '../core/policy-engine';
import { startDynamoDbGateway } from '../dynamodb/gateway';
import { type SessionKey, startKmsGateway } from '../kms/gateway';
import { type MotoServer, startMoto } from '../moto/moto';
import { type StorageWrite, startS3Gateway } from '../s3/gateway';
import { startStsService } from '../sts/service';
import type { LocalStackPorts } from './local-stack';
import { LOOPBACK } from './ports';
import type { Stops } from './stops';

export const IDENTITY_DIRECTORY_TABLE = 'user-files-local-identity-directory';
export const LEDGER_TABLE = 'user-files-local-ledger';
export const SESSIONS_TABLE = 'user-files-local-sessions';

export interface DoorSettings {
  readonly host: string;
  readonly region: string;
  readonly ports: LocalStackPorts;
  readonly log: ((line: string) => void) | undefined;
}

/** The keys each principal signs with, generated at every start and never written anywhere. */
export interface StackKeys {
  readonly admin: StaticCredentials;
  /** The API function's own keys (its role's, in AWS). */
  readonly function: StaticCredentials;
  readonly events: StaticCredentials;
}

/** Random long-lived keys in AWS's shape (an access key ID of 20 characters, a 40-character secret). */
function generateCredentials(): StaticCredentials {
  return {
    accessKeyId: `AKIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

interface DoorContext {
  readonly host: string;
  readonly region: string;
  readonly ports: LocalStackPorts;
  readonly logging: { readonly log?: (line: string) => void };
  readonly moto: MotoServer;
  readonly store: CredentialStore;
  readonly principals: Principals;
}

/** The doors in front of the data: S3 (objects), DynamoDB (tables) and KMS (the session key). */
function startDataDoors(
  context: DoorContext,
  hooks: {
    readonly onEvent: (write: StorageWrite) => void;
    readonly sessionKey: () => SessionKey | undefined;
    readonly bucketPolicy: (bucket: string) => ResourcePolicyDocument | undefined;
  },
) {
  const { host, region, ports, logging, moto, store, principals } = context;
  return Promise.all([
    startS3Gateway({
      host,
      port: ports.s3 ?? 0,
      store,
      // Only names the Host moto sees (an IP: path-style); the agent connects to moto's socket.
      upstream: `http://${LOOPBACK}`,
      upstreamAgent: moto.agent,
      region,
      onEvent: hooks.onEvent,
      bucketPolicy: hooks.bucketPolicy,
      ...logging,
    }),
    startDynamoDbGateway({
      host,
      port: ports.dynamodb ?? 0,
      moto,
      principals,
      table: IDENTITY_DIRECTORY_TABLE,
      ledgerTable: LEDGER_TABLE,
      sessionTable: SESSIONS_TABLE,
      region,
      ...logging,
    }),
    startKmsGateway({
      host,
      port: ports.kms ?? 0,
      moto,
      principals,
      sessionKey: hooks.sessionKey,
      region,
      ...logging,
    }),
  ]);
}

export type FrontDoors = Awaited<ReturnType<typeof startFrontDoors>>;

export async function startFrontDoors(settings: DoorSettings, stops: Stops) {
  const { host, region, ports, log } = settings;
  const logging = log ? { log } : {};
  const store = createCredentialStore();
  const keys: StackKeys = {
    admin: generateCredentials(),
    function: generateCredentials(),
    events: generateCredentials(),
  };
  const principals = { ...keys, store };
  const moto = await startMoto();
  stops.add(() => moto.close());
  // Set once the bootstrap has created the pool: the function may look up its users only.
  let functionUserPoolId: string | undefined;
  // Set once the bootstrap has created it: the only key the function may use.
  let sessionKey: SessionKey | undefined;
  const userPool = await startUserPoolGateway({
    host,
    port: ports.userPool ?? 0,
    moto,
    principals,
    region,
    functionUserPoolId: () => functionUserPoolId,
    ...logging,
  });
  stops.add(() => userPool.close());
  // The gateway starts before the events function exists (that needs the bucket and endpoints).
  let eventSink: ((write: StorageWrite) => void) | undefined;
  // Set once the bucket exists, as `cdk deploy` attaches a bucket's policy.
  const bucketPolicies = new Map<string, ResourcePolicyDocument>();
  const context = { host, region, ports, logging, moto, store, principals };
  const [identity, [s3, dynamodb, kms]] = await Promise.all([
    startIdentityService({
      host,
      port: ports.identity ?? 0,
      store,
      region,
      // The pools' public keys, as any client fetches them: through the user pool's front door.
      userPoolEndpoint: userPool.url,
      developerCredentials: keys.function,
      ...logging,
    }),
    startDataDoors(context, {
      onEvent: (write) => eventSink?.(write),
      sessionKey: () => sessionKey,
      bucketPolicy: (bucket) => bucketPolicies.get(bucket),
    }),
  ]);
  stops.add(
    () => identity.close(),
    () => s3.close(),
    () => dynamodb.close(),
    () => kms.close(),
  );
  const sts = await startStsService({
    host,
    port: ports.sts ?? 0,
    store,
    openIdKey: identity.openIdKey,
    ...logging,
  });
  stops.add(() => sts.close());
  return {
    store,
    keys,
    moto,
    userPool,
    identity,
    s3,
    dynamodb,
    kms,
    sts,
    /** Lets the function look up users of this pool (AdminGetUser) once the bootstrap made it. */
    allowFunctionUserPool: (userPoolId: string) => {
      functionUserPoolId = userPoolId;
    },
    /** Lets the function use this key (as the key policy allows) once the bootstrap made it. */
    allowSessionKey: (key: SessionKey) => {
      sessionKey = key;
    },
    /** Attaches a bucket's policy: the S3 gateway evaluates it with every request on the bucket. */
    setBucketPolicy: (bucket: string, policy: ResourcePolicyDocument) => {
      bucketPolicies.set(bucket, policy);
    },
    /** Where the S3 gateway delivers each stored write once the events function runs. */
    deliverEventsTo: (sink: (write: StorageWrite) => void) => {
      eventSink = sink;
    },
  };
}
