/**
 * `npm start`: the whole system on loopback, no AWS account needed. Prints the endpoints, the demo
 * users and calls to paste; writes `.local/outputs.json` in the deployed stack's output shape.
 *
 * Environment (all optional):
 *   PORT                          the API's port (default 4010, the spec's server default)
 *   LOCAL_COGNITO_IDP_PORT        the user pool endpoint, the gateway in front of moto (default 4011)
 *   LOCAL_COGNITO_IDENTITY_PORT   the identity pool endpoint (default 4012)
 *   LOCAL_S3_PORT                 the S3 endpoint, the enforcing gateway (default 4013)
 *   LOCAL_DYNAMODB_PORT           the DynamoDB endpoint, the function's directory table (default 4014)
 *   LOCAL_STS_PORT                the STS endpoint (default 4015)
 *   LOCAL_KMS_PORT                the KMS endpoint, the door to the session key (default 4016)
 *   CONSOLE_PORT                  the web console (default 5173); its origin is always allowed
 *   ACCESS_MODE                   sealed (default) or direct: see docs/access-modes.md
 *   ALLOWED_ORIGINS               comma-separated browser origins for CORS
 *   MAX_UPLOAD_BYTES, DEFAULT_URL_LIFETIME_SECONDS, MAX_URL_LIFETIME_SECONDS, UPLOAD_RULES: as for
 *                                the function (read from this process's environment)
 *   QUOTA_BYTES, QUOTA_OBJECTS    a per-user quota for both functions (default none)
 *   SESSION_STORE                 0: no fleet-wide session store (table, KMS key); default 1
 *   GUEST_ACCESS                  0: no guest access (unauthenticated role, /public/ links); default 1
 *   EVENTS_DUPLICATE, EVENTS_REORDER, EVENTS_DELAY_MS: storage-event delivery faults (default none)
 *   MALWARE_SCANNING              1 (or settings JSON): the local scanner and the bucket policy that
 *                                holds reads until scanned clean; default off
 *   SCAN_DELAY_MS                 the scanner's wait after each write (default 300)
 *   LOCAL_STATE_DIR               where outputs.json and the admin keys for `npm run users` go
 *                                (default .local/)
 * moto itself listens on no port: only on a Unix socket in a private directory (docs/local-stack.md).
 * A port given in the environment must be free (else: exit 1 with a message); a default port that
 * is taken is replaced by a free one.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConsoleServer, withConsoleOrigin } from './console/server';
import { MotoNotInstalledError } from './moto/moto';
import { EICAR } from './scanner/scanner';
import { ADMIN_KEYS_FILE_NAME, removeAdminKeys, writeAdminKeys } from './stack/admin-keys';
import { endWithParent } from './stack/lifetime';
import {
  DEFAULT_ALLOWED_ORIGINS,
  guestAccessFromEnv,
  type LocalStack,
  type LocalStackOutputs,
  startLocalStack,
} from './stack/local-stack';
import { assertPortFree, LOOPBACK, PortInUseError } from './stack/ports';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// LOCAL_STATE_DIR: where outputs.json and the admin keys for `npm run users` go (tests use their own).
const STATE_DIR = process.env.LOCAL_STATE_DIR || join(ROOT, '.local');
const OUTPUTS_FILE = join(STATE_DIR, 'outputs.json');
const ADMIN_KEYS_FILE = join(STATE_DIR, ADMIN_KEYS_FILE_NAME);

interface PortSetting {
  readonly name: string;
  readonly fallback: number;
  readonly what: string;
}

const PORTS = {
  api: { name: 'PORT', fallback: 4010, what: 'the API' },
  userPool: { name: 'LOCAL_COGNITO_IDP_PORT', fallback: 4011, what: 'the user pool gateway' },
  identity: { name: 'LOCAL_COGNITO_IDENTITY_PORT', fallback: 4012, what: 'the identity pool service' },
  s3: { name: 'LOCAL_S3_PORT', fallback: 4013, what: 'the S3 gateway' },
  dynamodb: { name: 'LOCAL_DYNAMODB_PORT', fallback: 4014, what: 'the DynamoDB gateway' },
  sts: { name: 'LOCAL_STS_PORT', fallback: 4015, what: 'the STS service' },
  kms: { name: 'LOCAL_KMS_PORT', fallback: 4016, what: 'the KMS gateway' },
  console: { name: 'CONSOLE_PORT', fallback: 5173, what: 'the web console' },
} satisfies Record<string, PortSetting>;

class UsageError extends Error {}

/** A configured port as given (0 allowed: any free port); a default one only if it is free now. */
async function choosePort(setting: PortSetting, notes: string[]): Promise<number> {
  const raw = process.env[setting.name];
  if (raw !== undefined && raw !== '') {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`${setting.name}=${raw} is not a port number (0-65535; 0 picks a free port).`);
    }
    // Checked before anything starts, so a busy port fails at once and names its variable.
    if (port !== 0) await assertPortFree(port, LOOPBACK, `${setting.what} (${setting.name}=${port})`);
    return port;
  }
  try {
    await assertPortFree(setting.fallback, LOOPBACK);
    return setting.fallback;
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    notes.push(
      `port ${setting.fallback} is busy, so a free port was used (set ${setting.name} to choose one)`,
    );
    return 0;
  }
}

function accessMode(): 'sealed' | 'direct' {
  const raw = process.env.ACCESS_MODE;
  if (raw === undefined || raw === '' || raw === 'sealed') return 'sealed';
  if (raw === 'direct') return 'direct';
  throw new UsageError(`ACCESS_MODE=${raw} is not an access mode: use sealed (the default) or direct.`);
}

function sessionStore(): boolean {
  const raw = process.env.SESSION_STORE;
  if (raw === undefined || raw === '' || raw === '1') return true;
  if (raw === '0') return false;
  throw new UsageError(`SESSION_STORE=${raw} is not 0 or 1: 0 starts without the session store.`);
}

function guestAccess(): boolean {
  try {
    return guestAccessFromEnv(process.env);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function allowedOrigins(): readonly string[] {
  const raw = process.env.ALLOWED_ORIGINS;
  if (!raw) return DEFAULT_ALLOWED_ORIGINS;
  return raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

/** Single-quoted for POSIX shells, so printed commands paste safely whatever a value holds. */
function sh(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** What malware scanning adds to the banner: what storage holds back, and how to see it. */
function scanLines(outputs: LocalStackOutputs): { s3: string[]; wait: string[]; calls: string[] } {
  const scanning = outputs.MalwareScanning;
  if (scanning === false)
    return {
      s3: ['                          malware scanning off (MALWARE_SCANNING=1 turns it on)'],
      wait: [],
      calls: [],
    };
  const where =
    scanning.prefixes.length === 0 ? 'every object' : `objects under ${scanning.prefixes.join(', ')}`;
  return {
    s3: [
      `                          malware scanning on: ${where} is served only once the local scanner tagged it clean`,
      '                          (after SCAN_DELAY_MS; the EICAR test file is its only threat); only it may tag',
    ],
    // Before a download of what was just uploaded: until the scan, it answers 409 scan_pending.
    wait: [
      '  sleep 1   # malware scanning: the file is served once the scanner tagged it clean (SCAN_DELAY_MS)',
    ],
    calls: [
      '  # malware scanning: upload this EICAR test file as hello.txt above (key notes/eicar.txt); asking for its',
      '  # download answers 409 scan_pending until it is scanned, then it is tagged THREATS_FOUND and removed',
      '  # (GET /me lists it among its rejections, reason malware); hello.txt downloads once scanned',
      `  printf '%s' ${sh(EICAR)} > eicar.txt`,
      '',
    ],
  };
}

/** The lines that differ by access mode: who may call the identity pool and STS, what the tables hold. */
function modeLines(mode: LocalStackOutputs['AccessMode']): {
  identity: string[];
  sts: string;
  mode: string;
  tables: string;
} {
  if (mode === 'sealed') {
    return {
      tables: 'the usage ledger and share index',
      mode: 'sealed: storage only through the API (ACCESS_MODE=direct lets users get their own credentials)',
      identity: [
        "                          only the API function's keys (SigV4): GetOpenIdTokenForDeveloperIdentity, with",
        "                          PrincipalTags (the caller's groups, group0..group9), which only it can set;",
        '                          user ID tokens are refused (GetId, GetCredentialsForIdentity, GetOpenIdToken)',
      ],
      sts: 'an OpenID token of the identity pool, which only the API function can obtain; its tags tag the session',
    };
  }
  return {
    tables: 'the usage ledger and share index, and the identity directory',
    mode: 'direct: users may also get their own identity credentials (the API rules are advisory)',
    identity: [
      '                          anyone with a valid ID token of this pool; credentials bound to that identity',
    ],
    sts: 'anyone with a valid OpenID token of the identity pool, as the role trust policy allows',
  };
}

/** What guest access adds to the banner: who may call what without a token, and a public link. */
function guestLines(
  outputs: LocalStackOutputs,
  wait: readonly string[],
): Record<'api' | 'identity' | 'sts' | 's3' | 'calls', string[]> {
  if (!outputs.GuestAccess) {
    return {
      api: ['                          no guest routes (GUEST_ACCESS=0)'],
      identity: ['                          no unauthenticated identities (GUEST_ACCESS=0)'],
      sts: [],
      s3: [],
      calls: [],
    };
  }
  return {
    sts: ["                          and a guest's token, for the unauthenticated role only"],
    s3: [
      "                          and guests' sessions: read public files, list one named owner's public folder",
    ],
    api: [
      '                          and anyone, no token: GET/HEAD public/{identityId}/{key}, GET public/{identityId}',
      '                          (permanent links to public files, and public folders; limited per client address)',
    ],
    identity: [
      '                          and anyone without logins: GetId gives a new guest identity, whose credentials',
      "                          (unauthenticated role) read public files and list one named owner's public folder",
    ],
    calls: [
      '  # guest access: a public file has a permanent link that needs no token',
      '  curl -s -X POST -H "Authorization: $TOKEN" -H \'Content-Type: application/json\' \\',
      '    -d "{\\"level\\":\\"public\\",\\"key\\":\\"hello.txt\\",\\"contentType\\":\\"text/plain\\",\\"size\\":$(wc -c < hello.txt)}" \\',
      `    "\${API}files/uploads" > public.json`,
      `  node -e "for (const [k, v] of Object.entries(require('./public.json').headers)) console.log(k + ': ' + v)" > public.headers`,
      `  curl -s -X PUT -H @public.headers --data-binary @hello.txt "$(node -p "require('./public.json').url")" -w '%{http_code}\\n'`,
      `  LINK="$(node -p "require('./public.json').publicUrl")"; echo "$LINK"`,
      ...wait,
      '  curl -sL "$LINK"   # anyone: a redirect to a short-lived storage URL signed with the guest session',
      '',
    ],
  };
}

/** Each front door, and who may call it (the access mode's, the guests' and scanning's parts given). */
function endpointLines(
  outputs: LocalStackOutputs,
  byMode: ReturnType<typeof modeLines>,
  guests: ReturnType<typeof guestLines>,
  scans: ReturnType<typeof scanLines>,
): string[] {
  return [
    'Endpoints, and who may call them:',
    `  API (ApiUrl)            ${outputs.ApiUrl}`,
    '                          anyone with a valid ID token of this pool; the handler then requires its app client',
    ...guests.api,
    `  Cognito user pool       ${outputs.CognitoIdpEndpoint}   pool ${outputs.UserPoolId}, app client ${outputs.UserPoolClientId}`,
    '                          sign-up, sign-in and calls a user access token authorizes: anyone;',
    '                          Admin*, ListUsers, groups, ...: only the stack admin keys (generated at start, never printed),',
    '                          and AdminGetUser on this pool by the API function',
    `  Cognito identity pool   ${outputs.CognitoIdentityEndpoint}   pool ${outputs.IdentityPoolId}`,
    ...byMode.identity,
    ...guests.identity,
    `  STS                     ${outputs.StsEndpoint}`,
    `                          ${byMode.sts}`,
    ...guests.sts,
    `  S3 (IAM-enforcing)      ${outputs.S3Endpoint}   bucket ${outputs.BucketName}`,
    '                          SigV4 by an identity session, then the role policy: own folders, and reads of',
    "                          others' protected and public files and of shares with the caller, and the",
    '                          folders groups/{group}/ of the groups its session is tagged with;',
    "                          also the events function's role and the audit's list-only credential",
    ...guests.s3,
    ...scans.s3,
    `  DynamoDB                ${outputs.DynamoDbEndpoint}   ${byMode.tables}${outputs.SessionTable ? ', the session store' : ''}`,
    "                          only the functions' keys (each with its deployed role's rights) and the admin keys",
    `  KMS                     ${outputs.KmsEndpoint}   ${outputs.SessionTable ? "the session key: only the API function's keys, GenerateDataKey and Decrypt with its context" : 'no session key (SESSION_STORE=0)'}`,
    '  moto                    no port: a Unix socket in a private directory, reached only through the above',
    `  Region                  ${outputs.Region}`,
  ];
}

function banner(
  outputs: LocalStackOutputs,
  consoleUrl: string,
  seconds: number,
  notes: readonly string[],
): string {
  const [alice, bob] = outputs.DemoUsers;
  const outputsPath = relative(process.cwd(), OUTPUTS_FILE) || OUTPUTS_FILE;
  const byMode = modeLines(outputs.AccessMode);
  const scans = scanLines(outputs);
  const guests = guestLines(outputs, scans.wait);
  const lines = [
    '',
    `User Files API: local stack ready in ${seconds.toFixed(1)} s (Ctrl-C stops it)`,
    ...notes.map((note) => `  note: ${note}`),
    '',
    `  Web console             ${consoleUrl}   sign in as a demo user below`,
    `  Access mode             ${byMode.mode}`,
    `  Outputs                 ${outputsPath}   (endpoints, pool IDs, demo users; no keys)`,
    '',
    ...endpointLines(outputs, byMode, guests, scans),
    '',
    'Demo users (new passwords on every start):',
    ...outputs.DemoUsers.map((user) => `  ${user.username.padEnd(20)} ${user.password}`),
    `  both in the user-pool group ${outputs.DemoGroup} (cognito:groups in their ID tokens): team folder groups/${outputs.DemoGroup}/`,
    '',
    'Try the API (bash; needs the AWS CLI and curl):',
    '',
    '  cd "$(mktemp -d)"   # a scratch directory: the calls below write files, never into the repository',
    `  API=${sh(outputs.ApiUrl)}`,
    `  TOKEN=$(aws cognito-idp initiate-auth --region ${outputs.Region} --endpoint-url ${outputs.CognitoIdpEndpoint} \\`,
    `    --client-id ${outputs.UserPoolClientId} --auth-flow USER_PASSWORD_AUTH \\`,
    `    --auth-parameters ${sh(`USERNAME=${alice?.username},PASSWORD=${alice?.password}`)} \\`,
    '    --query AuthenticationResult.IdToken --output text)',
    `  curl -s -H "Authorization: $TOKEN" "\${API}me"; echo`,
    '',
    '  # ask for an upload URL, then PUT the file with exactly the returned headers',
    "  printf 'hello from alice\\n' > hello.txt",
    '  curl -s -X POST -H "Authorization: $TOKEN" -H \'Content-Type: application/json\' \\',
    '    -d "{\\"level\\":\\"private\\",\\"key\\":\\"notes/hello.txt\\",\\"contentType\\":\\"text/plain\\",\\"size\\":$(wc -c < hello.txt)}" \\',
    `    "\${API}files/uploads" > upload.json`,
    `  node -e "for (const [k, v] of Object.entries(require('./upload.json').headers)) console.log(k + ': ' + v)" > upload.headers`,
    `  curl -s -X PUT -H @upload.headers --data-binary @hello.txt "$(node -p "require('./upload.json').url")" -w '%{http_code}\\n'`,
    '',
    ...scans.wait,
    '  # list, then download',
    `  curl -s -H "Authorization: $TOKEN" "\${API}files?level=private"; echo`,
    '  curl -s -X POST -H "Authorization: $TOKEN" -H \'Content-Type: application/json\' \\',
    `    -d '{"level":"private","key":"notes/hello.txt"}' "\${API}files/downloads" > download.json`,
    `  curl -s "$(node -p "require('./download.json').url")"`,
    '',
    ...guests.calls,
    ...scans.calls,
    '  # change anything that was signed and storage refuses it (403 SignatureDoesNotMatch)',
    `  curl -s "$(node -p "require('./download.json').url.replace('hello.txt', 'other.txt')")"; echo`,
    '',
    `  # ${bob?.username} cannot reach alice's private file: the API refuses to sign it (400, field owner)`,
    `  BOB=$(aws cognito-idp initiate-auth --region ${outputs.Region} --endpoint-url ${outputs.CognitoIdpEndpoint} \\`,
    `    --client-id ${outputs.UserPoolClientId} --auth-flow USER_PASSWORD_AUTH \\`,
    `    --auth-parameters ${sh(`USERNAME=${bob?.username},PASSWORD=${bob?.password}`)} \\`,
    '    --query AuthenticationResult.IdToken --output text)',
    `  ALICE_ID=$(node -p "require('./download.json').owner")`,
    `  curl -s -X POST -H "Authorization: $BOB" -H 'Content-Type: application/json' \\`,
    `    -d "{\\"level\\":\\"private\\",\\"key\\":\\"notes/hello.txt\\",\\"owner\\":\\"$ALICE_ID\\"}" "\${API}files/downloads"; echo`,
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const notes: string[] = [];
  const ports = {
    api: await choosePort(PORTS.api, notes),
    userPool: await choosePort(PORTS.userPool, notes),
    identity: await choosePort(PORTS.identity, notes),
    s3: await choosePort(PORTS.s3, notes),
    dynamodb: await choosePort(PORTS.dynamodb, notes),
    sts: await choosePort(PORTS.sts, notes),
    kms: await choosePort(PORTS.kms, notes),
  };
  const mode = accessMode();
  const withSessionStore = sessionStore();
  const withGuests = guestAccess();

  // Listening (and building, meanwhile) first: its origin must be in the stack's CORS.
  const webConsole = await startConsoleServer({
    port: await choosePort(PORTS.console, notes),
    outDir: join(ROOT, '.local', 'console'),
  });
  let stack: LocalStack | undefined;
  // Before the stack starts: a signal during the start exits at once, and moto dies with us.
  endWithParent(async () => {
    await Promise.all([stack?.stop(), webConsole.close()]);
    await removeAdminKeys(ADMIN_KEYS_FILE);
  });

  stack = await startLocalStack({
    host: LOOPBACK,
    ports,
    allowedOrigins: withConsoleOrigin(allowedOrigins(), webConsole.origin),
    accessMode: mode,
    sessionStore: withSessionStore,
    guestAccess: withGuests,
  });
  await webConsole.serve(stack.outputs);
  await mkdir(dirname(OUTPUTS_FILE), { recursive: true });
  await writeFile(OUTPUTS_FILE, `${JSON.stringify(stack.outputs, null, 2)}\n`, { mode: 0o600 });
  await chmod(OUTPUTS_FILE, 0o600);
  await writeAdminKeys(
    ADMIN_KEYS_FILE,
    stack.adminCredentials,
    stack.auditCredentials,
    stack.functionCredentials,
  );
  console.log(banner(stack.outputs, webConsole.url, (performance.now() - started) / 1000, notes));
}

main().catch((error: unknown) => {
  if (
    error instanceof MotoNotInstalledError ||
    error instanceof PortInUseError ||
    error instanceof UsageError
  ) {
    console.error(`npm start: ${error.message}`);
  } else {
    console.error('npm start: the local stack failed to start:', error);
  }
  process.exit(1);
});
