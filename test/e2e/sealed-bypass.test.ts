/**
 * Sealed mode (the e2e project): every step of the AWS CLI lab in docs/access-modes.md is refused, and no
 * credential a user can obtain reaches storage, while the API serves them as ever.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, signIn } from './support/session';
import { runPrefix } from './support/storage';
import { e2eTarget } from './support/target';

const run = promisify(execFile);
const target = e2eTarget();

let alice: Session;
let cognito: CognitoIdentityClient;
const logins = () => ({ [`cognito-idp.${target.region}.amazonaws.com/${target.userPoolId}`]: alice.idToken });

beforeAll(async () => {
  if (target.accessMode !== 'sealed') throw new Error('this file needs a sealed target');
  alice = await signIn(target, target.users[0]);
  cognito = new CognitoIdentityClient({
    region: target.region,
    ...(target.endpoints.cognitoIdentity ? { endpoint: target.endpoints.cognitoIdentity } : {}),
    maxAttempts: 1,
  });
});

afterAll(() => {
  cognito?.destroy();
});

/** Stores `key` through the API (an upload URL, then the PUT it allows). */
async function uploadThroughApi(key: string, body: string) {
  const { data } = await alice.api.POST('/files/uploads', {
    body: { level: 'private', key, contentType: 'text/plain', size: Buffer.byteLength(body) },
  });
  if (!data) throw new Error('upload URL refused');
  const put = await fetch(data.url, { method: data.method, headers: data.headers, body });
  expect(put.status).toBe(200);
}

describe('sealed mode: the AWS CLI lab of docs/access-modes.md, step by step', () => {
  it('GetId with the ID token is refused', async () => {
    await expect(
      cognito.send(new GetIdCommand({ IdentityPoolId: target.identityPoolId, Logins: logins() })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('GetCredentialsForIdentity is refused, even for the real identity ID (GET /me tells it)', async () => {
    await expect(
      cognito.send(new GetCredentialsForIdentityCommand({ IdentityId: alice.identityId, Logins: logins() })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('GetOpenIdToken is refused, so there is no token for STS either', async () => {
    await expect(
      cognito.send(new GetOpenIdTokenCommand({ IdentityId: alice.identityId, Logins: logins() })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('the AWS CLI itself: aws cognito-identity get-id fails with NotAuthorizedException', async () => {
    const [name, value] = Object.entries(logins())[0] as [string, string];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    await expect(
      run(
        'aws',
        [
          'cognito-identity',
          'get-id',
          '--no-sign-request',
          '--region',
          target.region,
          '--endpoint-url',
          target.endpoints.cognitoIdentity ?? '',
          '--identity-pool-id',
          target.identityPoolId,
          '--logins',
          `${name}=${value}`,
        ],
        { env },
      ),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('NotAuthorizedException') });
  });
});

describe('sealed mode: storage with any credentials a user can obtain', () => {
  const key = () => `private/${alice.identityId}/bypass.html`;
  const put = (s3: S3Client) =>
    s3.send(
      new PutObjectCommand({
        Bucket: target.bucketName,
        Key: key(),
        Body: '<h1>x</h1>',
        ContentType: 'text/html',
      }),
    );

  it('none: an unsigned PUT into their own folder is refused', async () => {
    const base = target.endpoints.s3 ?? `https://s3.${target.region}.amazonaws.com`;
    const response = await fetch(`${base}/${target.bucketName}/${key()}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: '<h1>x</h1>',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('made-up keys: refused as unknown', async () => {
    const s3 = new S3Client({
      region: target.region,
      ...(target.endpoints.s3 ? { endpoint: target.endpoints.s3, forcePathStyle: true } : {}),
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAMADEUPKEY1234567', secretAccessKey: 'made-up' },
    });
    await expect(put(s3)).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    s3.destroy();
  });

  it('their ID token as a web identity for STS: refused, so no session', async () => {
    const sts = new STSClient({
      region: target.region,
      ...(target.endpoints.sts ? { endpoint: target.endpoints.sts } : {}),
      maxAttempts: 1,
    });
    await expect(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: target.functionSide?.authenticatedRoleArn ?? 'arn:aws:iam::123456789012:role/any-role',
          RoleSessionName: 'bypass',
          WebIdentityToken: alice.idToken,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
    sts.destroy();
  });

  it('while the API still serves them', async () => {
    await uploadThroughApi(`${runPrefix('sealed')}ok.txt`, 'via the API');
  });
});
