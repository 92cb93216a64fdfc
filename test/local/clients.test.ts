/**
 * Any standard AWS client must work against the local stack (docs/architecture.md, "The local stack"): boto3 and the AWS
 * CLI get an identity ID and credentials from the identity service, work in their own folder
 * through the S3 gateway, and are refused in another identity's folder.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { IdentityPool } from '../../local/core/credential-store';
import {
  createBucket,
  createUser,
  createUserPool,
  identityPoolCredentials,
  type LocalServices,
  REGION,
  registerIdentityPool,
  signIn,
  startLocalServices,
  type TestUser,
  type UserPool,
} from './support';

const run = promisify(execFile);
const BUCKET = 'user-files-clients-test';

let services: LocalServices;
let pool: UserPool;
let identityPool: IdentityPool;
let carol: TestUser;
let otherPrivateKey: string;
let workDir: string;

/** A clean environment for the child: no ambient AWS configuration or credentials leak in. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_')) env[name] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: join(workDir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-credentials'),
    AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'local-clients-'));
  services = await startLocalServices();
  pool = await createUserPool(services.userPool.url, 'clients-test');
  identityPool = registerIdentityPool(services.store, pool, BUCKET);
  await createBucket(services, BUCKET);
  // Another identity with a private object the clients must not reach.
  const dave = await createUser(services.userPool.url, pool, 'dave');
  const daveCredentials = await identityPoolCredentials(
    services,
    identityPool,
    pool,
    (await signIn(services.userPool.url, pool, dave)).idToken,
  )();
  otherPrivateKey = `private/${daveCredentials.identityId}/secret.txt`;
  const s3 = new S3Client({ region: REGION, endpoint: services.gateway.url, credentials: daveCredentials });
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: otherPrivateKey, Body: 'dave only' }));
  s3.destroy();
  carol = await createUser(services.userPool.url, pool, 'carol');
});

afterAll(async () => {
  await services?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('boto3', () => {
  // boto3 and the CLI run side by side: each is mostly Python start-up time.
  it.concurrent('gets an identity and credentials, works in its own folder and is refused in another', async ({
    expect,
  }) => {
    const { idToken } = await signIn(services.userPool.url, pool, carol);
    const { stdout } = await run('python3', [join(import.meta.dirname, 'fixtures', 'boto3-scenario.py')], {
      env: childEnv({
        REGION,
        BUCKET,
        IDENTITY_URL: services.identity.url,
        S3_URL: services.gateway.url,
        IDENTITY_POOL_ID: identityPool.id,
        PROVIDER_NAME: pool.providerName,
        ID_TOKEN: idToken,
        OTHER_PRIVATE_KEY: otherPrivateKey,
      }),
    });
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      sameIdentityAgain: true,
      body: 'hello from boto3',
      listed: [`private/${result.identityId}/boto3/hello.txt`],
      readOther: 'AccessDenied',
      writeOther: 'AccessDenied',
      listOther: 'AccessDenied',
      listRoot: 'AccessDenied',
      badToken: 'NotAuthorizedException',
      // S3 answers a missing key 403 to a role without bucket-wide s3:ListBucket.
      deleted: '403',
    });
  });
});

describe('AWS CLI', () => {
  async function aws(args: string[], env: Record<string, string> = {}) {
    return run('aws', ['--output', 'json', ...args], { env: childEnv(env) });
  }

  // boto3 and the CLI run side by side: each is mostly Python start-up time.
  it.concurrent('gets an identity and credentials, works in its own folder and is refused in another', async ({
    expect,
  }) => {
    const { idToken } = await signIn(services.userPool.url, pool, carol);
    const logins = `${pool.providerName}=${idToken}`;
    const identity = ['--endpoint-url', services.identity.url, '--no-sign-request'];
    const { stdout: idOut } = await aws([
      'cognito-identity',
      'get-id',
      ...identity,
      '--identity-pool-id',
      identityPool.id,
      '--logins',
      logins,
    ]);
    const identityId: string = JSON.parse(idOut).IdentityId;
    const { stdout: credentialsOut } = await aws([
      'cognito-identity',
      'get-credentials-for-identity',
      ...identity,
      '--identity-id',
      identityId,
      '--logins',
      logins,
    ]);
    const credentials = JSON.parse(credentialsOut).Credentials;
    const asCarol = {
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.SecretKey,
      AWS_SESSION_TOKEN: credentials.SessionToken,
    };
    const s3api = (args: string[]) =>
      aws(['s3api', '--endpoint-url', services.gateway.url, ...args, '--bucket', BUCKET], asCarol);

    const own = `private/${identityId}/cli/hello.txt`;
    const upload = join(workDir, 'upload.txt');
    const download = join(workDir, 'download.txt');
    await writeFile(upload, 'hello from the CLI');
    await s3api(['put-object', '--key', own, '--body', upload, '--content-type', 'text/plain']);
    await s3api(['get-object', '--key', own, download]);
    expect(await readFile(download, 'utf8')).toBe('hello from the CLI');
    const { stdout: listOut } = await s3api(['list-objects-v2', '--prefix', `private/${identityId}/cli/`]);
    expect(JSON.parse(listOut).Contents.map((object: { Key: string }) => object.Key)).toEqual([own]);

    const refused = { stderr: expect.stringContaining('AccessDenied') };
    await Promise.all([
      expect(s3api(['get-object', '--key', otherPrivateKey, download])).rejects.toMatchObject(refused),
      expect(s3api(['put-object', '--key', otherPrivateKey, '--body', upload])).rejects.toMatchObject(
        refused,
      ),
      expect(s3api(['list-objects-v2', '--prefix', 'private/'])).rejects.toMatchObject(refused),
    ]);
    await s3api(['delete-object', '--key', own]);
    // Gone: S3 answers a missing key 403 to a role without bucket-wide s3:ListBucket.
    await expect(s3api(['head-object', '--key', own])).rejects.toMatchObject({
      stderr: expect.stringContaining('403'),
    });
  });
});
