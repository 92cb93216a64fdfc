/**
 * `npm run users -- <command>`: the users and groups of a stack's user pool, and quota overrides in
 * its ledger, local or deployed.
 *
 *   npm run users -- list
 *   npm run users -- add someone@example.com        a confirmed user; a generated password is printed once
 *   npm run users -- remove someone@example.com   and their stored session, when outputs name SessionTable
 *   npm run users -- quota someone@example.com [--bytes N] [--objects M] [--clear]
 *                                                 their override of the user quota; no option: show it
 *   npm run users -- group list | create <group> | delete <group> | members <group>
 *   npm run users -- group add <group> <username> | group remove <group> <username>
 *   npm run users -- group quota <group> [--bytes N] [--objects M] [--clear]
 *
 * Options: --outputs <file> (default .local/outputs.json, written by `npm start`; or the file of
 * `cdk deploy --outputs-file`, whose outputs are nested under the stack name) and --stack <name>
 * when that file holds several stacks; for `quota` on a deployed direct-mode stack,
 * --directory-table <name> (its identity directory). USERS_PASSWORD sets the new user's password
 * instead (never an argument: arguments show in `ps` and shell history).
 *
 * A user's override is found by username: the user pool gives their `sub`, and their identity ID
 * (the ledger partition) follows as the API function finds it (`users-identity.ts`). A group's
 * partition is `groups/{group}`. Credentials: see `users-stack.ts`.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AdminDeleteUserCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { sessionItemId } from '../lambdas/aws/session-store';
import { createPoolUser } from '../local/stack/bootstrap';
import {
  addMember,
  createGroup,
  deleteGroup,
  groupQuota,
  listGroups,
  listMembers,
  removeMember,
} from './users-groups';
import { identityIdOf, subOf } from './users-identity';
import { ownerQuota, type QuotaChange, quotaChangeOf } from './users-quota';
import { describeUser, loadTarget, paged, UsageError, type UsersContext, withContext } from './users-stack';

export { readOutputs, UsageError } from './users-stack';

const DEFAULT_OUTPUTS = join(dirname(fileURLToPath(import.meta.url)), '..', '.local', 'outputs.json');
const USAGE = [
  'usage: npm run users -- <command> [--outputs <file>] [--stack <name>]',
  '  list | add <email> | remove <email>',
  '  quota <username> [--bytes N] [--objects M] [--clear] [--directory-table <name>]',
  '  group list | group create <group> | group delete <group> | group members <group>',
  '  group add <group> <username> | group remove <group> <username>',
  '  group quota <group> [--bytes N] [--objects M] [--clear]',
].join('\n');

/**
 * Deletes the user, then their stored session (when the stack has a session store), so no
 * instance serves the deleted user's credentials from it; their `sub` is read first to find it.
 */
async function removeUser(context: UsersContext, username: string) {
  const { idp, target, print } = context;
  const sub = await subOf(context, username);
  await idp.send(new AdminDeleteUserCommand({ UserPoolId: target.userPoolId, Username: username }));
  if (target.sessionTable !== undefined) {
    const dynamo = await context.dynamo();
    await dynamo.send(
      new DeleteItemCommand({
        TableName: target.sessionTable,
        Key: { id: { S: sessionItemId({ userPoolId: target.userPoolId, sub }) } },
      }),
    );
  }
  print(`removed ${username} from ${target.userPoolId}`);
}

/** Meets the pool's policy (12+ characters, upper, lower, digit, symbol) with 144 random bits. */
function generatePassword(): string {
  return `${randomBytes(18).toString('base64url')}-Aa7`;
}

async function listUsers({ idp, target, print }: UsersContext) {
  let count = 0;
  const users = paged((token) =>
    idp
      .send(new ListUsersCommand({ UserPoolId: target.userPoolId, PaginationToken: token }))
      .then((page) => ({ items: page.Users, next: page.PaginationToken })),
  );
  for await (const user of users) {
    print(describeUser(user));
    count += 1;
  }
  print(`${count} user(s) in ${target.userPoolId}`);
}

async function addUser({ idp, target, print, env }: UsersContext, username: string) {
  const given = env.USERS_PASSWORD;
  const password = given === undefined || given === '' ? generatePassword() : given;
  await createPoolUser(idp, target.userPoolId, { username, password });
  print(`added ${username} to ${target.userPoolId}, confirmed, with a permanent password`);
  if (given === undefined || given === '') print(`password: ${password}   (shown once; not stored)`);
}

/** A user's override, by username: their identity ID is their ledger partition. */
async function userQuota(context: UsersContext, username: string, change: QuotaChange | undefined) {
  const identityId = await identityIdOf(context, username);
  await ownerQuota(context, identityId, `${username} (${identityId})`, change);
}

interface Command {
  /** The positional arguments after the command's words, by name (for the usage message). */
  readonly args: readonly string[];
  /** Takes --bytes, --objects and --clear. */
  readonly quota?: true;
  readonly run: (
    context: UsersContext,
    args: readonly string[],
    change: QuotaChange | undefined,
  ) => Promise<void>;
}

/** A command's positional argument; the count was checked against `args` before it runs. */
const at = (args: readonly string[], index: number) => args[index] ?? '';

const COMMANDS: Readonly<Record<string, Command>> = {
  list: { args: [], run: (context) => listUsers(context) },
  add: { args: ['email'], run: (context, args) => addUser(context, at(args, 0)) },
  remove: { args: ['email'], run: (context, args) => removeUser(context, at(args, 0)) },
  quota: {
    args: ['username'],
    quota: true,
    run: (context, args, change) => userQuota(context, at(args, 0), change),
  },
  'group list': { args: [], run: (context) => listGroups(context) },
  'group create': { args: ['group'], run: (context, args) => createGroup(context, at(args, 0)) },
  'group delete': { args: ['group'], run: (context, args) => deleteGroup(context, at(args, 0)) },
  'group members': { args: ['group'], run: (context, args) => listMembers(context, at(args, 0)) },
  'group add': {
    args: ['group', 'username'],
    run: (context, args) => addMember(context, at(args, 0), at(args, 1)),
  },
  'group remove': {
    args: ['group', 'username'],
    run: (context, args) => removeMember(context, at(args, 0), at(args, 1)),
  },
  'group quota': {
    args: ['group'],
    quota: true,
    run: (context, args, change) => groupQuota(context, at(args, 0), change),
  },
};

type Parsed = ReturnType<typeof parse>;

/** The command the positionals name, its arguments and its quota change; refuses anything else. */
function commandOf(parsed: Parsed): { command: Command; args: readonly string[]; change?: QuotaChange } {
  const [first, ...rest] = parsed.positionals;
  const words = first === 'group' ? 2 : 1;
  const name = parsed.positionals.slice(0, words).join(' ');
  const command = COMMANDS[name];
  if (first === undefined) throw new UsageError(USAGE);
  if (command === undefined) throw new UsageError(`unknown command ${name}\n${USAGE}`);
  const args = rest.slice(words - 1);
  if (args.length !== command.args.length) {
    const expected = [name, ...command.args.map((arg) => `<${arg}>`)].join(' ');
    throw new UsageError(`${name} takes ${expected}\n${USAGE}`);
  }
  const { bytes, objects, clear } = parsed.values;
  const quotaOptions = bytes !== undefined || objects !== undefined || clear !== undefined;
  if (quotaOptions && command.quota === undefined) {
    throw new UsageError(`--bytes, --objects and --clear are for quota commands\n${USAGE}`);
  }
  if (parsed.values['directory-table'] !== undefined && name !== 'quota') {
    throw new UsageError(`--directory-table is for quota <username>\n${USAGE}`);
  }
  const change = quotaChangeOf({ bytes, objects, clear });
  return { command, args, ...(change === undefined ? {} : { change }) };
}

/** Runs one command; every line it prints goes to `print`. */
export async function runUsers(
  args: readonly string[],
  print: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  let parsed: Parsed;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const { command, args: positionals, change } = commandOf(parsed);
  const { outputs, stack } = parsed.values;
  const target = await loadTarget(outputs ?? DEFAULT_OUTPUTS, stack, parsed.values['directory-table']);
  await withContext(target, { print, env }, (context) => command.run(context, positionals, change));
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      outputs: { type: 'string' },
      stack: { type: 'string' },
      bytes: { type: 'string' },
      objects: { type: 'string' },
      clear: { type: 'boolean' },
      'directory-table': { type: 'string' },
    },
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
