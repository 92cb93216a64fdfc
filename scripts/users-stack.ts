/**
 * The stack `npm run users` acts on: its outputs (`.local/outputs.json` of `npm start`, or the file
 * of `cdk deploy --outputs-file`), and the clients each command needs, with the right credentials.
 *
 * Locally: the running stack's keys from `admin-keys.json` beside the outputs, which `npm start`
 * writes (mode 0600) and removes on stop: the admin keys for the user pool and the tables, and the
 * API function's keys for the identity pool's developer login (which only they may call). Deployed:
 * your own AWS credentials (the SDK's default chain: AWS_PROFILE, environment, SSO...) for all.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient, type UserType } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ADMIN_KEYS_FILE_NAME, readAdminKeys } from '../local/stack/admin-keys';
import { IDENTITY_DIRECTORY_TABLE } from '../local/stack/front-doors';

export class UsageError extends Error {}

export type Outputs = Record<string, unknown>;

export interface Target {
  readonly region: string;
  readonly userPoolId: string;
  /** The local user pool endpoint; absent for a deployed stack. */
  readonly endpoint?: string;
  /** The fleet-wide session store's table (`SessionTable`), when the stack has one. */
  readonly sessionTable?: string;
  /** The local DynamoDB endpoint (`DynamoDbEndpoint`); absent for a deployed stack. */
  readonly dynamoEndpoint?: string;
  /** The usage ledger (`LedgerTable`), where quota overrides live. */
  readonly ledgerTable?: string;
  readonly identityPoolId?: string;
  /** The local identity pool endpoint (`CognitoIdentityEndpoint`); absent for a deployed stack. */
  readonly identityEndpoint?: string;
  /** `AccessMode`: how the function finds a user's identity ID. */
  readonly accessMode?: string;
  /** Direct mode: the sub-to-identity directory (`IdentityDirectoryTable`, `--directory-table`, or the local one). */
  readonly directoryTable?: string;
  readonly outputsFile: string;
}

/** The stack's outputs: flat (`npm start`), or nested under the stack name (`cdk deploy --outputs-file`). */
export function findOutputs(json: unknown, file: string, stack: string | undefined): Outputs {
  const has = (value: unknown): value is Outputs =>
    typeof value === 'object' && value !== null && 'UserPoolId' in value && 'Region' in value;
  if (stack === undefined && has(json)) return json;
  const stacks = typeof json === 'object' && json !== null ? Object.entries(json) : [];
  const matching = stacks.filter(([name, value]) => has(value) && (stack === undefined || name === stack));
  const [only, ...more] = matching;
  if (only && more.length === 0) return only[1] as Outputs;
  if (matching.length > 1) {
    throw new UsageError(
      `${file} holds several stacks (${matching.map(([name]) => name).join(', ')}): choose one with --stack`,
    );
  }
  throw new UsageError(
    stack === undefined
      ? `${file} holds no stack outputs with UserPoolId and Region`
      : `${file} has no stack ${stack} with UserPoolId and Region`,
  );
}

/** The stack's outputs from `.local/outputs.json` or a `cdk deploy --outputs-file` file. */
export async function readOutputs(outputsFile: string, stack: string | undefined): Promise<Outputs> {
  let text: string;
  try {
    text = await readFile(outputsFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new UsageError(
      `${outputsFile} does not exist: start the local stack (npm start), or pass --outputs <file> of cdk deploy --outputs-file`,
    );
  }
  return findOutputs(JSON.parse(text) as unknown, outputsFile, stack);
}

/** The outputs' string values by name (an empty string, as a local stack without one writes, is none). */
function textOutputs(outputs: Outputs) {
  return (name: string) => {
    const value = outputs[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
}

/** Leaves out what is undefined, so a target never holds a key without a value. */
const defined = (entries: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;

export async function loadTarget(
  outputsFile: string,
  stack: string | undefined,
  directoryTable?: string,
): Promise<Target> {
  const outputs = await readOutputs(outputsFile, stack);
  const region = outputs.Region;
  const userPoolId = outputs.UserPoolId;
  if (typeof region !== 'string' || typeof userPoolId !== 'string') {
    throw new UsageError(`${outputsFile}: Region and UserPoolId must be strings`);
  }
  const text = textOutputs(outputs);
  const endpoint = text('CognitoIdpEndpoint');
  return {
    region,
    userPoolId,
    outputsFile,
    ...defined({
      endpoint,
      sessionTable: text('SessionTable'),
      dynamoEndpoint: text('DynamoDbEndpoint'),
      ledgerTable: text('LedgerTable'),
      identityPoolId: text('IdentityPoolId'),
      identityEndpoint: text('CognitoIdentityEndpoint'),
      accessMode: text('AccessMode'),
      // The local stack's directory has a fixed name; a deployed one is named by an output or by hand.
      directoryTable:
        directoryTable ??
        text('IdentityDirectoryTable') ??
        (endpoint === undefined ? undefined : IDENTITY_DIRECTORY_TABLE),
    }),
  };
}

/**
 * A client's settings: the local stack's endpoint and keys (the admin's, or the API function's for
 * the developer login), else the SDK's default chain.
 */
export async function clientConfig(
  target: Target,
  endpoint: string | undefined,
  keys: 'admin' | 'developer' = 'admin',
) {
  if (target.endpoint === undefined) return { region: target.region };
  const keysFile = join(dirname(target.outputsFile), ADMIN_KEYS_FILE_NAME);
  const stored = await readAdminKeys(keysFile);
  if (stored === undefined) {
    throw new UsageError(
      `no local stack is running (${keysFile} is missing): start it with npm start; a restart begins with no users but its demo users`,
    );
  }
  if (keys === 'admin') return { region: target.region, endpoint, credentials: stored };
  if (stored.developer === undefined) {
    throw new UsageError(`${keysFile} holds no developer keys: restart the local stack (npm start)`);
  }
  return { region: target.region, endpoint, credentials: stored.developer };
}

/** What every command is given: the stack, the user pool, and the other clients made when first used. */
export interface UsersContext {
  readonly target: Target;
  readonly idp: CognitoIdentityProviderClient;
  readonly print: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The tables (ledger, directory, sessions): the admin's keys locally. */
  dynamo(): Promise<DynamoDBClient>;
  /** The identity pool, for the developer login: the function's keys locally. */
  identity(): Promise<CognitoIdentityClient>;
}

/** Opens the context, runs `body` with it, and destroys every client it made. */
export async function withContext<T>(
  target: Target,
  settings: Pick<UsersContext, 'print' | 'env'>,
  body: (context: UsersContext) => Promise<T>,
): Promise<T> {
  const idp = new CognitoIdentityProviderClient(await clientConfig(target, target.endpoint));
  let dynamo: DynamoDBClient | undefined;
  let identity: CognitoIdentityClient | undefined;
  const context: UsersContext = {
    ...settings,
    target,
    idp,
    async dynamo() {
      dynamo ??= new DynamoDBClient(await clientConfig(target, target.dynamoEndpoint));
      return dynamo;
    },
    async identity() {
      identity ??= new CognitoIdentityClient(
        await clientConfig(target, target.identityEndpoint, 'developer'),
      );
      return identity;
    },
  };
  try {
    return await body(context);
  } finally {
    idp.destroy();
    dynamo?.destroy();
    identity?.destroy();
  }
}

/** One line per pool user: email (or username), status, enabled. */
export function describeUser(user: UserType): string {
  const email = user.Attributes?.find((attribute) => attribute.Name === 'email')?.Value;
  const name = email ?? user.Username ?? '?';
  return `${name.padEnd(40)} ${String(user.UserStatus ?? '').padEnd(22)} ${user.Enabled === false ? 'disabled' : 'enabled'}`;
}

/** Every item of a paged listing, following its token. */
export async function* paged<T>(
  page: (token: string | undefined) => Promise<{ readonly items?: readonly T[]; readonly next?: string }>,
): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const { items, next } = await page(token);
    yield* items ?? [];
    token = next;
  } while (token);
}
