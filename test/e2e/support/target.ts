/**
 * What the e2e suite runs against: the local stack started by `global-setup.ts`, or a deployed
 * stack named by `E2E_OUTPUTS` (its outputs file) with two existing users in `E2E_USERS`.
 */
import type { JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { LocalStack } from '../../../local/stack/local-stack';

export interface TestUser {
  readonly username: string;
  readonly password: string;
}

export interface E2eTarget {
  readonly kind: 'local' | 'deployed';
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly identityPoolId: string;
  readonly bucketName: string;
  /** Ends in `/`, like the stack's `ApiUrl` output. */
  readonly apiUrl: string;
  /** Local endpoints; absent for a deployed stack (the SDK's defaults for the region). */
  readonly endpoints: {
    readonly cognitoIdp?: string;
    readonly cognitoIdentity?: string;
    readonly s3?: string;
    readonly sts?: string;
  };
  readonly users: readonly [TestUser, TestUser];
  /**
   * Only for a local stack started in this run: its admin keys (the user pool's IAM-authorized
   * operations) and the private key its user pool signs tokens with, both generated at its start.
   */
  readonly localSecrets?: {
    readonly adminCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly userPoolSigningKey: JsonWebKey;
  };
  /**
   * The identity pool's roles (outputs `AuthenticatedRoleArn`, `UnauthenticatedRoleArn`), for the
   * tests that present tokens to STS themselves.
   */
  readonly roles: { readonly authenticated?: string; readonly unauthenticated?: string };
  /** A local stack's ledger (its DynamoDB endpoint and table), for tests that set quota overrides. */
  readonly localLedger?: { readonly endpoint: string; readonly table: string };
  /** A local stack's demo group (output `DemoGroup`), which both demo users are in. */
  readonly localGroup?: string;
  /** The stack's `AccessMode` output (README "Access modes"). */
  readonly accessMode: 'sealed' | 'direct';
  /**
   * A local sealed stack's function credentials and configuration, so tests can get a user's
   * storage session exactly as the function does (users themselves cannot). Never for a deployed
   * stack: its function's role is not ours to use.
   */
  readonly functionSide?: {
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly developerProviderName: string;
    readonly authenticatedRoleArn: string;
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eTarget: E2eTarget;
  }
}

/** The target the global setup chose. */
export function e2eTarget(): E2eTarget {
  return inject('e2eTarget');
}

const OUTPUT_NAMES = ['Region', 'UserPoolId', 'UserPoolClientId', 'IdentityPoolId', 'BucketName', 'ApiUrl'];

type Outputs = Record<string, unknown>;

/** Accepts `.local/outputs.json` or `cdk deploy --outputs-file` (outputs nested under the stack name). */
function findOutputs(json: unknown): Outputs {
  const has = (value: unknown): value is Outputs =>
    typeof value === 'object' && value !== null && OUTPUT_NAMES.every((name) => name in value);
  if (has(json)) return json;
  if (typeof json === 'object' && json !== null) {
    const stacks = Object.values(json).filter(has);
    if (stacks.length === 1 && stacks[0]) return stacks[0];
  }
  throw new Error(`E2E_OUTPUTS must hold the stack outputs ${OUTPUT_NAMES.join(', ')} (one stack)`);
}

/** `E2E_USERS`: `user:password,user:password`, or a JSON array of `{ username, password }`. */
export function parseUsers(raw: string): TestUser[] {
  if (raw.trim().startsWith('[')) {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) throw new Error('E2E_USERS must be a JSON array');
    return parsed.map((item: { username?: unknown; password?: unknown }) => {
      if (typeof item.username !== 'string' || typeof item.password !== 'string') {
        throw new Error('each E2E_USERS entry needs a username and a password');
      }
      return { username: item.username, password: item.password };
    });
  }
  return raw
    .split(',')
    .filter((pair) => pair.trim() !== '')
    .map((pair) => {
      const colon = pair.indexOf(':');
      if (colon <= 0) throw new Error('E2E_USERS entries look like username:password');
      return { username: pair.slice(0, colon).trim(), password: pair.slice(colon + 1) };
    });
}

function text(outputs: Outputs, name: string): string {
  const value = outputs[name];
  if (typeof value !== 'string' || value === '') throw new Error(`output ${name} is missing`);
  return value;
}

/** The target described by an outputs file (local or deployed) and the users to sign in with. */
export function targetFromOutputsFile(path: string, usersEnv: string | undefined): E2eTarget {
  const outputs = findOutputs(JSON.parse(readFileSync(path, 'utf8')));
  const users = usersEnv ? parseUsers(usersEnv) : ((outputs.DemoUsers as TestUser[] | undefined) ?? []);
  const [first, second] = users;
  if (!first || !second || users.length !== 2) {
    throw new Error('E2E_USERS must name exactly two existing users (username:password,username:password)');
  }
  const optional = (name: string) =>
    typeof outputs[name] === 'string' ? (outputs[name] as string) : undefined;
  const cognitoIdp = optional('CognitoIdpEndpoint');
  const cognitoIdentity = optional('CognitoIdentityEndpoint');
  const s3 = optional('S3Endpoint');
  const sts = optional('StsEndpoint');
  const apiUrl = text(outputs, 'ApiUrl');
  return {
    kind: s3 ? 'local' : 'deployed',
    region: text(outputs, 'Region'),
    userPoolId: text(outputs, 'UserPoolId'),
    userPoolClientId: text(outputs, 'UserPoolClientId'),
    identityPoolId: text(outputs, 'IdentityPoolId'),
    bucketName: text(outputs, 'BucketName'),
    apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    endpoints: {
      ...(cognitoIdp ? { cognitoIdp } : {}),
      ...(cognitoIdentity ? { cognitoIdentity } : {}),
      ...(s3 ? { s3 } : {}),
      ...(sts ? { sts } : {}),
    },
    users: [first, second],
    roles: {
      ...(optional('AuthenticatedRoleArn') ? { authenticated: optional('AuthenticatedRoleArn') } : {}),
      ...(optional('UnauthenticatedRoleArn') ? { unauthenticated: optional('UnauthenticatedRoleArn') } : {}),
    },
    accessMode: optional('AccessMode') === 'direct' ? 'direct' : 'sealed',
  };
}

/** The e2e target of a local stack started in this process. */
export function targetOf(stack: LocalStack): E2eTarget {
  const { outputs } = stack;
  const [alice, bob] = outputs.DemoUsers;
  if (!alice || !bob) throw new Error('two demo users expected');
  return {
    kind: 'local',
    region: outputs.Region,
    userPoolId: outputs.UserPoolId,
    userPoolClientId: outputs.UserPoolClientId,
    identityPoolId: outputs.IdentityPoolId,
    bucketName: outputs.BucketName,
    apiUrl: outputs.ApiUrl,
    endpoints: {
      cognitoIdp: outputs.CognitoIdpEndpoint,
      cognitoIdentity: outputs.CognitoIdentityEndpoint,
      s3: outputs.S3Endpoint,
      sts: outputs.StsEndpoint,
    },
    users: [alice, bob],
    roles: {
      authenticated: stack.authenticatedRoleArn,
      ...(stack.unauthenticatedRoleArn ? { unauthenticated: stack.unauthenticatedRoleArn } : {}),
    },
    localSecrets: { adminCredentials: stack.adminCredentials, userPoolSigningKey: stack.userPoolSigningKey },
    accessMode: outputs.AccessMode,
    localGroup: outputs.DemoGroup,
    localLedger: { endpoint: outputs.DynamoDbEndpoint, table: outputs.LedgerTable },
    ...(stack.developerProviderName
      ? {
          functionSide: {
            credentials: { ...stack.functionCredentials },
            developerProviderName: stack.developerProviderName,
            authenticatedRoleArn: stack.authenticatedRoleArn,
          },
        }
      : {}),
  };
}
