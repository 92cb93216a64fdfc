/**
 * `npm run users -- add|remove|list`: the users of a stack's user pool, local or deployed.
 *
 *   npm run users -- list
 *   npm run users -- add someone@example.com        a confirmed user; a generated password is printed once
 *   npm run users -- remove someone@example.com   and their stored session, when outputs name SessionTable
 *
 * Options: --outputs <file> (default .local/outputs.json, written by `npm start`; or the file of
 * `cdk deploy --outputs-file`, whose outputs are nested under the stack name) and --stack <name>
 * when that file holds several stacks. USERS_PASSWORD sets the new user's password instead (never
 * an argument: arguments show in `ps` and shell history).
 *
 * Credentials: for the local stack, its admin keys from `admin-keys.json` beside the outputs, which
 * the running `npm start` writes (mode 0600) and removes on stop; for a deployed stack, your own AWS
 * credentials (the SDK's default chain: AWS_PROFILE, environment, SSO...).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sessionItemId } from '../lambdas/aws/session-store';
import { ADMIN_KEYS_FILE_NAME, readAdminKeys } from '../local/stack/admin-keys';
import { createPoolUser } from '../local/stack/bootstrap';

const DEFAULT_OUTPUTS = join(dirname(fileURLToPath(import.meta.url)), '..', '.local', 'outputs.json');
const USAGE =
  'usage: npm run users -- add <email> | remove <email> | list  [--outputs <file>] [--stack <name>]';

export class UsageError extends Error {}

interface Target {
  readonly region: string;
  readonly userPoolId: string;
  /** The local user pool endpoint; absent for a deployed stack. */
  readonly endpoint?: string;
  /** The fleet-wide session store's table (`SessionTable`), when the stack has one. */
  readonly sessionTable?: string;
  /** The local DynamoDB endpoint (`DynamoDbEndpoint`); absent for a deployed stack. */
  readonly dynamoEndpoint?: string;
  readonly outputsFile: string;
}

export type Outputs = Record<string, unknown>;

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

async function loadTarget(outputsFile: string, stack: string | undefined): Promise<Target> {
  const outputs = await readOutputs(outputsFile, stack);
  const region = outputs.Region;
  const userPoolId = outputs.UserPoolId;
  if (typeof region !== 'string' || typeof userPoolId !== 'string') {
    throw new UsageError(`${outputsFile}: Region and UserPoolId must be strings`);
  }
  const text = (name: string) => (typeof outputs[name] === 'string' ? outputs[name] : undefined);
  const endpoint = text('CognitoIdpEndpoint');
  const sessionTable = text('SessionTable');
  const dynamoEndpoint = text('DynamoDbEndpoint');
  return {
    region,
    userPoolId,
    outputsFile,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(sessionTable === undefined ? {} : { sessionTable }),
    ...(dynamoEndpoint === undefined ? {} : { dynamoEndpoint }),
  };
}

/** The clients' settings: the local stack's endpoints and admin keys, else the SDK's default chain. */
async function clientConfig(target: Target, endpoint: string | undefined) {
  if (target.endpoint === undefined) return { region: target.region };
  const keysFile = join(dirname(target.outputsFile), ADMIN_KEYS_FILE_NAME);
  const credentials = await readAdminKeys(keysFile);
  if (credentials === undefined) {
    throw new UsageError(
      `no local stack is running (${keysFile} is missing): start it with npm start; a restart begins with no users but its demo users`,
    );
  }
  return { region: target.region, endpoint, credentials };
}

/**
 * Deletes the user, then their stored session (when the stack has a session store), so no
 * instance serves the deleted user's credentials from it; their `sub` is read first to find it.
 */
async function removeUser(idp: CognitoIdentityProviderClient, target: Target, username: string) {
  const user = await idp.send(new AdminGetUserCommand({ UserPoolId: target.userPoolId, Username: username }));
  await idp.send(new AdminDeleteUserCommand({ UserPoolId: target.userPoolId, Username: username }));
  const sub = user.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value;
  if (target.sessionTable === undefined || sub === undefined) return;
  const dynamo = new DynamoDBClient(await clientConfig(target, target.dynamoEndpoint));
  try {
    await dynamo.send(
      new DeleteItemCommand({
        TableName: target.sessionTable,
        Key: { id: { S: sessionItemId({ userPoolId: target.userPoolId, sub }) } },
      }),
    );
  } finally {
    dynamo.destroy();
  }
}

/** Meets the pool's policy (12+ characters, upper, lower, digit, symbol) with 144 random bits. */
function generatePassword(): string {
  return `${randomBytes(18).toString('base64url')}-Aa7`;
}

function describeUser(user: UserType): string {
  const email = user.Attributes?.find((attribute) => attribute.Name === 'email')?.Value;
  const name = email ?? user.Username ?? '?';
  return `${name.padEnd(40)} ${String(user.UserStatus ?? '').padEnd(22)} ${user.Enabled === false ? 'disabled' : 'enabled'}`;
}

/** Runs one command; every line it prints goes to `print`. */
export async function runUsers(
  args: readonly string[],
  print: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const [command, username, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}\n${USAGE}`);
  if (command !== 'list' && (command === undefined || username === undefined)) throw new UsageError(USAGE);
  if (command === 'list' && username !== undefined) throw new UsageError(USAGE);
  if (!['add', 'remove', 'list'].includes(command))
    throw new UsageError(`unknown command ${command}\n${USAGE}`);

  const target = await loadTarget(parsed.values.outputs ?? DEFAULT_OUTPUTS, parsed.values.stack);
  const idp = new CognitoIdentityProviderClient(await clientConfig(target, target.endpoint));
  try {
    if (command === 'list') {
      let token: string | undefined;
      let count = 0;
      do {
        const page = await idp.send(
          new ListUsersCommand({ UserPoolId: target.userPoolId, PaginationToken: token }),
        );
        for (const user of page.Users ?? []) {
          print(describeUser(user));
          count += 1;
        }
        token = page.PaginationToken;
      } while (token);
      print(`${count} user(s) in ${target.userPoolId}`);
    } else if (command === 'add' && username !== undefined) {
      const given = env.USERS_PASSWORD;
      const password = given === undefined || given === '' ? generatePassword() : given;
      await createPoolUser(idp, target.userPoolId, { username, password });
      print(`added ${username} to ${target.userPoolId}, confirmed, with a permanent password`);
      if (given === undefined || given === '') print(`password: ${password}   (shown once; not stored)`);
    } else if (username !== undefined) {
      await removeUser(idp, target, username);
      print(`removed ${username} from ${target.userPoolId}`);
    }
  } finally {
    idp.destroy();
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { outputs: { type: 'string' }, stack: { type: 'string' } },
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runUsers(process.argv.slice(2), (line) => console.log(line)).catch((error: unknown) => {
    // An AWS error's name and message (UsernameExistsException, ...) say enough; no stack trace.
    const message =
      error instanceof Error
        ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
        : String(error);
    console.error(`npm run users: ${message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
