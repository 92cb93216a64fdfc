/**
 * Guests at the S3 gateway, against a started stack with guest access (its default): a guest gets
 * credentials straight from the identity pool (`GetId` and `GetCredentialsForIdentity` without
 * logins, the AWS SDK v3 client as an app would), or through the classic flow the API function
 * takes (`GetOpenIdToken`, then STS on the unauthenticated role). The deployed unauthenticated role
 * policy then lets a guest read `public/{anyone}/...` and list one named owner's public folder,
 * and nothing else: no write, delete or multipart anywhere, no read or list in the other levels, no
 * listing of `public/` or of the bucket. The stack wires the role into the function's environment
 * and its outputs.
 */
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

let stack: LocalStack;
let Bucket: string;
let anonymous: CognitoIdentityClient;
let sts: STSClient;
const clients: S3Client[] = [];
let owner: string;
let grantee: string;
let guestId: string;
let guest: S3Client;

const s3 = (credentials: Keys) => {
  const client = new S3Client({
    region: stack.outputs.Region,
    endpoint: stack.outputs.S3Endpoint,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
};

function keysOf(credentials: {
  AccessKeyId?: string;
  SecretKey?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
}): Keys {
  return {
    accessKeyId: credentials.AccessKeyId ?? '',
    secretAccessKey: credentials.SecretKey ?? credentials.SecretAccessKey ?? '',
    sessionToken: credentials.SessionToken ?? '',
  };
}

/** A user's storage session, as the sealed function gets one: a developer login, then STS. */
async function userSession(identifier: string): Promise<{ identityId: string; client: S3Client }> {
  const developer = new CognitoIdentityClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.CognitoIdentityEndpoint,
    credentials: stack.functionCredentials,
  });
  try {
    const { IdentityId, Token } = await developer.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: stack.outputs.IdentityPoolId,
        Logins: { [stack.developerProviderName ?? '']: `${stack.outputs.UserPoolId}:${identifier}` },
      }),
    );
    const { Credentials } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: stack.authenticatedRoleArn,
        RoleSessionName: identifier,
        WebIdentityToken: Token,
      }),
    );
    return { identityId: IdentityId ?? '', client: s3(keysOf(Credentials ?? {})) };
  } finally {
    developer.destroy();
  }
}

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, guestAccess: true });
  Bucket = stack.outputs.BucketName;
  const region = stack.outputs.Region;
  // An app's client: GetId and GetCredentialsForIdentity are unsigned, so it holds no credentials.
  anonymous = new CognitoIdentityClient({ region, endpoint: stack.outputs.CognitoIdentityEndpoint });
  sts = new STSClient({ region, endpoint: stack.outputs.StsEndpoint });
  const [alice, bob] = await Promise.all([userSession('alice'), userSession('bob')]);
  owner = alice.identityId;
  grantee = bob.identityId;
  for (const Key of [
    `public/${owner}/hello.txt`,
    `public/${owner}/photos/cat.jpg`,
    `private/${owner}/secret.txt`,
    `protected/${owner}/friends.txt`,
    `shared/${owner}/${grantee}/for-bob.txt`,
  ]) {
    await alice.client.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}` }));
  }
  const { IdentityId } = await anonymous.send(
    new GetIdCommand({ IdentityPoolId: stack.outputs.IdentityPoolId }),
  );
  guestId = IdentityId ?? '';
  const { Credentials } = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId: guestId }));
  guest = s3(keysOf(Credentials ?? {}));
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  anonymous?.destroy();
  sts?.destroy();
  await stack?.stop();
});

const DENIED = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };
const list = (client: S3Client, Prefix?: string) =>
  client.send(new ListObjectsV2Command({ Bucket, ...(Prefix === undefined ? {} : { Prefix }) }));

describe('the stack with guest access', () => {
  it("registers the unauthenticated role, gives it to the function and names the public links' form", async () => {
    expect(stack.unauthenticatedRoleArn).toBe(
      'arn:aws:iam::000000000000:role/user-files-local-unauthenticated',
    );
    expect(process.env.UNAUTHENTICATED_ROLE_ARN).toBe(stack.unauthenticatedRoleArn);
    expect(stack.outputs.GuestAccess).toBe(true);
    expect(stack.outputs.PublicUrlTemplate).toBe(`${stack.outputs.ApiUrl}public/{identityId}/{key}`);
    const signed = new CognitoIdentityClient({
      region: stack.outputs.Region,
      endpoint: stack.outputs.CognitoIdentityEndpoint,
      credentials: stack.adminCredentials,
    });
    const described = await signed.send(
      new DescribeIdentityPoolCommand({ IdentityPoolId: stack.outputs.IdentityPoolId }),
    );
    signed.destroy();
    expect(described.AllowUnauthenticatedIdentities).toBe(true);
  });
});

describe('a guest, with credentials from the identity pool', () => {
  it("reads anyone's public files, by GET, HEAD and a presigned URL", async () => {
    const got = await guest.send(new GetObjectCommand({ Bucket, Key: `public/${owner}/hello.txt` }));
    expect(await got.Body?.transformToString()).toBe(`body of public/${owner}/hello.txt`);
    await expect(
      guest.send(new HeadObjectCommand({ Bucket, Key: `public/${owner}/photos/cat.jpg` })),
    ).resolves.toMatchObject({ ContentLength: `body of public/${owner}/photos/cat.jpg`.length });
    const url = await getSignedUrl(
      guest,
      new GetObjectCommand({ Bucket, Key: `public/${owner}/hello.txt` }),
      {
        expiresIn: 60,
      },
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`body of public/${owner}/hello.txt`);
  });

  it("lists one named owner's public folder, never public/ itself nor the bucket", async () => {
    const listed = await list(guest, `public/${owner}/`);
    expect(listed.Contents?.map((item) => item.Key).sort()).toEqual([
      `public/${owner}/hello.txt`,
      `public/${owner}/photos/cat.jpg`,
    ]);
    for (const prefix of ['public/', 'public', undefined, '']) {
      await expect(list(guest, prefix), `prefix ${prefix}`).rejects.toMatchObject(DENIED);
    }
  });

  it('writes, deletes and starts uploads nowhere in public, its own folder or another', async () => {
    for (const folder of [guestId, owner]) {
      const Key = `public/${folder}/new.txt`;
      await expect(guest.send(new PutObjectCommand({ Bucket, Key, Body: 'x' })), Key).rejects.toMatchObject(
        DENIED,
      );
      await expect(guest.send(new CreateMultipartUploadCommand({ Bucket, Key }))).rejects.toMatchObject(
        DENIED,
      );
    }
    await expect(
      guest.send(new DeleteObjectCommand({ Bucket, Key: `public/${owner}/hello.txt` })),
    ).rejects.toMatchObject(DENIED);
    // Still there: the refusal was the policy's, before storage.
    await expect(list(guest, `public/${owner}/hello`)).resolves.toMatchObject({ KeyCount: 1 });
  });

  it('reads and lists nothing in private, protected or shared', async () => {
    for (const Key of [
      `private/${owner}/secret.txt`,
      `protected/${owner}/friends.txt`,
      `shared/${owner}/${grantee}/for-bob.txt`,
    ]) {
      await expect(guest.send(new GetObjectCommand({ Bucket, Key })), Key).rejects.toMatchObject(DENIED);
    }
    for (const prefix of [
      `private/${owner}/`,
      `protected/${owner}/`,
      `shared/${owner}/`,
      `shared/${owner}/${grantee}/`,
    ]) {
      await expect(list(guest, prefix), prefix).rejects.toMatchObject(DENIED);
    }
  });
});

describe("a guest, through the function's classic flow", () => {
  it('assumes the unauthenticated role with its OpenID token, and reads public files with it', async () => {
    const { IdentityId } = await anonymous.send(
      new GetIdCommand({ IdentityPoolId: stack.outputs.IdentityPoolId }),
    );
    const { Token } = await anonymous.send(new GetOpenIdTokenCommand({ IdentityId }));
    const { Credentials } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: stack.unauthenticatedRoleArn,
        RoleSessionName: 'guest',
        WebIdentityToken: Token,
      }),
    );
    const session = s3(keysOf(Credentials ?? {}));
    const got = await session.send(new GetObjectCommand({ Bucket, Key: `public/${owner}/hello.txt` }));
    expect(await got.Body?.transformToString()).toBe(`body of public/${owner}/hello.txt`);
    await expect(
      session.send(new GetObjectCommand({ Bucket, Key: `protected/${owner}/friends.txt` })),
    ).rejects.toMatchObject(DENIED);
    // The authenticated role's trust policy (amr authenticated) refuses the same token.
    await expect(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: stack.authenticatedRoleArn,
          RoleSessionName: 'guest',
          WebIdentityToken: Token,
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
