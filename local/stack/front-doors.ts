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

/**
 * What the bootstrap decides once the doors are up (the pool, the session key, the bucket and its
 * policy, the events function): set once, then read by the doors at each request.
 */
function createLateBindings() {
  let functionUserPoolId: string | undefined;
  let sessionKey: SessionKey | undefined;
  let eventSink: ((write: StorageWrite) => void) | undefined;
  const bucketPolicies = new Map<string, ResourcePolicyDocument>();
  return {
    read: {
      functionUserPoolId: () => functionUserPoolId,
      sessionKey: () => sessionKey,
      onEvent: (write: StorageWrite) => eventSink?.(write),
      bucketPolicy: (bucket: string) => bucketPolicies.get(bucket),
    },
    set: {
      /** Lets the function look up users of this pool (AdminGetUser) once the bootstrap made it. */
      allowFunctionUserPool: (userPoolId: string) => {
        functionUserPoolId = userPoolId;
      },
      /** Lets the function use this key (as the key policy allows) once the bootstrap made it. */
      allowSessionKey: (key: SessionKey) => {
        sessionKey = key;
      },
      /** Attaches a bucket's policy, as `cdk deploy` does: the S3 gateway evaluates it with every request. */
      setBucketPolicy: (bucket: string, policy: ResourcePolicyDocument) => {
        bucketPolicies.set(bucket, policy);
      },
      /** Where the S3 gateway delivers each stored write once the events function runs. */
      deliverEventsTo: (sink: (write: StorageWrite) => void) => {
        eventSink = sink;
      },
    },
  };
}

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
  const late = createLateBindings();
  const userPool = await startUserPoolGateway({
    host,
    port: ports.userPool ?? 0,
    moto,
    principals,
    region,
    functionUserPoolId: late.read.functionUserPoolId,
    ...logging,
  });
  stops.add(() => userPool.close());
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
    // The gateway starts before the events function exists (that needs the bucket and endpoints).
    startDataDoors(context, late.read),
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
    ...late.set,
  };
}
