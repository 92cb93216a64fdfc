/**
 * The local STS (`local/sts/service.ts`) driven by standard clients: the JS SDK's STS client,
 * boto3 and the AWS CLI assume the authenticated role with an OpenID token of the identity
 * service, and the credentials they get are bound to that identity at the S3 gateway. Every way a
 * token or request can be wrong is refused as AWS words it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CognitoIdentityClient,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';

const run = promisify(execFile);
const ROLE_MAX_SECONDS = 7_200;

let stack: LocalStack;
let cognito: CognitoIdentityClient;
let sts: STSClient;
let workDir: string;

/** A token from the identity service for a developer identifier, as the function gets one. */
async function openIdToken(identifier: string, tokenDuration?: number) {
  const output = await cognito.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: stack.outputs.IdentityPoolId,
      Logins: { [stack.developerProviderName ?? '']: identifier },
      ...(tokenDuration ? { TokenDuration: tokenDuration } : {}),
    }),
  );
  return { identityId: output.IdentityId ?? '', token: output.Token ?? '' };
}

const assume = (token: string, extra: { RoleArn?: string; DurationSeconds?: number } = {}) =>
  sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: stack.authenticatedRoleArn,
      RoleSessionName: 'sts-test',
      WebIdentityToken: token,
      ...extra,
    }),
  );

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_')) env[name] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: join(workDir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

let otherPrivateKey: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'local-sts-'));
  stack = await startLocalStack({ quiet: true, api: false, sessionDurationSeconds: ROLE_MAX_SECONDS });
  const region = stack.outputs.Region;
  cognito = new CognitoIdentityClient({
    region,
    endpoint: stack.outputs.CognitoIdentityEndpoint,
    credentials: stack.functionCredentials,
  });
  sts = new STSClient({ region, endpoint: stack.outputs.StsEndpoint });
  // Another identity's private object that no session of the first may read.
  const other = await openIdToken(`${stack.outputs.UserPoolId}:other-user`);
  const { Credentials } = await assume(other.token);
  otherPrivateKey = `private/${other.identityId}/secret.txt`;
  const s3 = new S3Client({
    region,
    endpoint: stack.outputs.S3Endpoint,
    forcePathStyle: true,
    credentials: {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    },
  });
  await s3.send(new PutObjectCommand({ Bucket: stack.outputs.BucketName, Key: otherPrivateKey, Body: 'x' }));
  s3.destroy();
});

afterAll(async () => {
  cognito?.destroy();
  sts?.destroy();
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the JS SDK STS client', () => {
  it('gets credentials for the token’s identity, for the duration asked, that work in its own folder only', async () => {
    const { identityId, token } = await openIdToken(`${stack.outputs.UserPoolId}:sdk-user`);
    const before = Date.now();
    const output = await assume(token, { DurationSeconds: ROLE_MAX_SECONDS });
    expect(output.SubjectFromWebIdentityToken).toBe(identityId);
    expect(output.Audience).toBe(stack.outputs.IdentityPoolId);
    expect(output.AssumedRoleUser?.Arn).toMatch(/:assumed-role\/user-files-local-authenticated\/sts-test$/);
    const lifetime = (output.Credentials?.Expiration?.getTime() ?? 0) - before;
    expect(lifetime).toBeGreaterThan((ROLE_MAX_SECONDS - 5) * 1000);
    expect(lifetime).toBeLessThanOrEqual((ROLE_MAX_SECONDS + 2) * 1000);

    const s3 = new S3Client({
      region: stack.outputs.Region,
      endpoint: stack.outputs.S3Endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId: output.Credentials?.AccessKeyId ?? '',
        secretAccessKey: output.Credentials?.SecretAccessKey ?? '',
        sessionToken: output.Credentials?.SessionToken ?? '',
      },
    });
    const Bucket = stack.outputs.BucketName;
    await s3.send(new PutObjectCommand({ Bucket, Key: `private/${identityId}/a.txt`, Body: 'mine' }));
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: otherPrivateKey }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    s3.destroy();
  });

  it('refuses a tampered, foreign or expired token, and a role the token is not for', async () => {
    const { token } = await openIdToken(`${stack.outputs.UserPoolId}:refused-user`);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(
      JSON.stringify({ ...claims, sub: 'us-east-1:00000000-0000-0000-0000-000000000000' }),
    );
    await expect(assume(`${header}.${forged.toString('base64url')}.${signature}`)).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(assume(`${header}.${payload}.${signature.slice(0, -6)}AAAAAA`)).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
    });
    await expect(assume('not-a-jwt')).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
    await expect(
      assume(token, { RoleArn: 'arn:aws:iam::000000000000:role/some-other-role' }),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

    const shortLived = await openIdToken(`${stack.outputs.UserPoolId}:refused-user`, 1);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(assume(shortLived.token)).rejects.toMatchObject({ name: 'ExpiredTokenException' });
  });

  it("bounds DurationSeconds by STS's limits and the role's maximum, as AWS words it", async () => {
    const { token } = await openIdToken(`${stack.outputs.UserPoolId}:duration-user`);
    await expect(assume(token, { DurationSeconds: ROLE_MAX_SECONDS + 1 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
    await expect(assume(token, { DurationSeconds: 43_201 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(
        /at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200/,
      ),
    });
    await expect(assume(token, { DurationSeconds: 899 })).rejects.toMatchObject({ name: 'ValidationError' });
    // The default (one hour) is within the role's maximum.
    await expect(assume(token)).resolves.toMatchObject({ Credentials: expect.anything() });
  });
});

describe('other clients', () => {
  it.concurrent('boto3 assumes the role, works in its own folder and is refused in another', async () => {
    const { identityId, token } = await openIdToken(`${stack.outputs.UserPoolId}:boto3-user`);
    const { stdout } = await run('python3', [join(import.meta.dirname, '..', 'fixtures', 'boto3-sts.py')], {
      env: childEnv({
        REGION: stack.outputs.Region,
        STS_URL: stack.outputs.StsEndpoint,
        S3_URL: stack.outputs.S3Endpoint,
        BUCKET: stack.outputs.BucketName,
        ROLE_ARN: stack.authenticatedRoleArn,
        OPENID_TOKEN: token,
        OTHER_PRIVATE_KEY: otherPrivateKey,
      }),
    });
    expect(JSON.parse(stdout)).toEqual({
      subject: identityId,
      body: 'from boto3',
      readOther: 'AccessDenied',
      tampered: 'InvalidIdentityToken',
    });
  });

  it.concurrent('the AWS CLI: sts assume-role-with-web-identity', async () => {
    const { identityId, token } = await openIdToken(`${stack.outputs.UserPoolId}:cli-user`);
    const args = [
      'sts',
      'assume-role-with-web-identity',
      '--endpoint-url',
      stack.outputs.StsEndpoint,
      '--region',
      stack.outputs.Region,
      '--role-arn',
      stack.authenticatedRoleArn,
      '--role-session-name',
      'cli-session',
      '--duration-seconds',
      '3600',
      '--output',
      'json',
    ];
    const { stdout } = await run('aws', [...args, '--web-identity-token', token], { env: childEnv({}) });
    const answer = JSON.parse(stdout) as {
      SubjectFromWebIdentityToken: string;
      Credentials: { AccessKeyId: string };
    };
    expect(answer.SubjectFromWebIdentityToken).toBe(identityId);
    expect(answer.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    await expect(
      run('aws', [...args, '--web-identity-token', `${token.slice(0, -6)}AAAAAA`], { env: childEnv({}) }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('InvalidIdentityToken') });
  });
});
