/**
 * Guests and permanent links, in both access modes: a link works with no token and gives the bytes;
 * the same route never reaches another level; a deleted file's link stops at once; a guest's own
 * identity-pool credentials read `public` and nothing else, by the unauthenticated role's policy;
 * and an unauthenticated token can never assume the authenticated role.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResponse } from '../support/openapi-validator';
import { deleteAllUnder, type IdentityCredentials, type Session, signIn, storageAs } from './support/session';
import { encodeKey, type Level, runPrefix, send } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const prefix = runPrefix('public-links');
let owner: Session;
let other: Session;

async function store(user: Session, level: Level, key: string, text: string): Promise<string | undefined> {
  const body = new TextEncoder().encode(text);
  const upload = await user.api.POST('/files/uploads', {
    body: { level, key, contentType: 'text/plain', size: body.length },
  });
  if (!upload.data) throw new Error(`upload URL expected, got ${upload.response.status}`);
  expect((await send(upload.data, { body })).status).toBe(200);
  return upload.data.publicUrl;
}

/** A guest's request: no Authorization, redirects not followed. */
async function guest(path: string, method = 'GET') {
  const response = await fetch(new URL(path, target.apiUrl), { method, redirect: 'manual' });
  const body = await response.text();
  validateResponse(
    method,
    `/${path.split('?')[0]}`,
    response.status,
    response.headers.get('content-type') ?? undefined,
    body,
  );
  return { response, body };
}

const linkPath = (user: Session, key: string) => `public/${user.identityId}/${encodeKey(key)}`;

beforeAll(async () => {
  [owner, other] = (await Promise.all(target.users.map((user) => signIn(target, user)))) as [
    Session,
    Session,
  ];
  await Promise.all([
    store(owner, 'public', `${prefix}photo one.txt`, 'a public file'),
    store(owner, 'private', `${prefix}secret.txt`, 'a private file'),
    store(owner, 'protected', `${prefix}inner.txt`, 'a protected file'),
  ]);
  const share = await owner.api.POST('/files/shares', {
    body: { level: 'private', key: `${prefix}secret.txt`, with: other.username },
  });
  expect(share.response.status).toBe(201);
});

afterAll(async () => {
  await deleteAllUnder(owner.api, prefix);
});

describe('a permanent link', () => {
  it('gives the bytes to anyone, with no token', async () => {
    const { response } = await guest(linkPath(owner, `${prefix}photo one.txt`));
    expect(response.status).toBe(302);
    const location = response.headers.get('location') ?? '';
    expect(location).toContain('X-Amz-Signature=');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('a public file');
  });

  it('is what signed-in answers give as publicUrl, and HEAD answers it too', async () => {
    const key = `${prefix}photo one.txt`;
    const download = await owner.api.POST('/files/downloads', { body: { level: 'public', key } });
    expect(download.data?.publicUrl).toBe(new URL(linkPath(owner, key), target.apiUrl).href);
    const listed = await other.api.GET('/files', {
      params: { query: { level: 'public', owner: owner.identityId, prefix } },
    });
    expect(listed.data?.items.map((item) => item.publicUrl)).toContain(download.data?.publicUrl);
    const head = await fetch(download.data?.publicUrl ?? '', { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(302);
  });

  it.each([
    ['a private key', () => linkPath(owner, `${prefix}secret.txt`)],
    ['a protected key', () => linkPath(owner, `${prefix}inner.txt`)],
    [
      'a shared key',
      () => `public/${owner.identityId}/${encodeKey(`${other.identityId}/${prefix}secret.txt`)}`,
    ],
    ['a missing key', () => linkPath(owner, `${prefix}nothing.txt`)],
    ["another owner's folder", () => linkPath(other, `${prefix}photo one.txt`)],
  ])('behind the same route, %s is 404', async (_name, path) => {
    const { response, body } = await guest(path());
    expect(response.status).toBe(404);
    expect(JSON.parse(body)).toMatchObject({ code: 'not_found' });
    expect(response.headers.get('location')).toBeNull();
  });

  it.each([
    [
      'key',
      () =>
        `public/${owner.identityId}/..%2F..%2Fprivate%2F${owner.identityId}%2F${encodeKey(`${prefix}secret.txt`)}`,
    ],
    ['owner', () => `public/not-an-owner/${encodeKey(`${prefix}photo one.txt`)}`],
  ])('a bad %s is a 400 naming it', async (field, path) => {
    const { response, body } = await guest(path());
    expect(response.status).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ field });
  });

  it('stops at once when the file is deleted', async () => {
    const key = `${prefix}short-lived.txt`;
    await store(owner, 'public', key, 'soon gone');
    expect((await guest(linkPath(owner, key))).response.status).toBe(302);
    const deleted = await owner.api.DELETE('/files', { params: { query: { level: 'public', key } } });
    expect(deleted.response.status).toBe(204);
    expect((await guest(linkPath(owner, key))).response.status).toBe(404);
  });

  it("lists one owner's public folder for guests, never the level", async () => {
    const { response, body } = await guest(`public/${owner.identityId}?prefix=${encodeURIComponent(prefix)}`);
    expect(response.status).toBe(200);
    const keys = (JSON.parse(body) as { items: { key: string }[] }).items.map((item) => item.key);
    expect(keys).toEqual([`${prefix}photo one.txt`]);
  });
});

describe("a guest's own identity-pool credentials", () => {
  const cognito = new CognitoIdentityClient({
    region: target.region,
    ...(target.endpoints.cognitoIdentity ? { endpoint: target.endpoints.cognitoIdentity } : {}),
  });
  let guestIdentity: IdentityCredentials;

  beforeAll(async () => {
    const { IdentityId } = await cognito.send(new GetIdCommand({ IdentityPoolId: target.identityPoolId }));
    const { Credentials } = await cognito.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    guestIdentity = {
      identityId: IdentityId ?? '',
      credentials: {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretKey ?? '',
        sessionToken: Credentials?.SessionToken ?? '',
        expiration: Credentials?.Expiration ?? new Date(0),
      },
    };
  });

  afterAll(() => cognito.destroy());

  it('read public and list one owner', async () => {
    const s3 = storageAs(target, guestIdentity);
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: target.bucketName,
        Key: `public/${owner.identityId}/${prefix}photo one.txt`,
      }),
    );
    expect(await got.Body?.transformToString()).toBe('a public file');
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: `public/${owner.identityId}/${prefix}` }),
    );
    expect(listed.Contents?.map((item) => item.Key)).toEqual([
      `public/${owner.identityId}/${prefix}photo one.txt`,
    ]);
    s3.destroy();
  });

  it.each([
    [
      'read a private file',
      () =>
        new GetObjectCommand({
          Bucket: target.bucketName,
          Key: `private/${owner.identityId}/${prefix}secret.txt`,
        }),
    ],
    [
      'read a protected file',
      () =>
        new GetObjectCommand({
          Bucket: target.bucketName,
          Key: `protected/${owner.identityId}/${prefix}inner.txt`,
        }),
    ],
    [
      'read a share',
      () =>
        new GetObjectCommand({
          Bucket: target.bucketName,
          Key: `shared/${owner.identityId}/${other.identityId}/${prefix}secret.txt`,
        }),
    ],
    [
      'write in its own public folder',
      () =>
        new PutObjectCommand({
          Bucket: target.bucketName,
          Key: `public/${guestIdentity.identityId}/${prefix}x.txt`,
          Body: 'x',
        }),
    ],
    [
      "overwrite an owner's public file",
      () =>
        new PutObjectCommand({
          Bucket: target.bucketName,
          Key: `public/${owner.identityId}/${prefix}photo one.txt`,
          Body: 'x',
        }),
    ],
    [
      "delete an owner's public file",
      () =>
        new DeleteObjectCommand({
          Bucket: target.bucketName,
          Key: `public/${owner.identityId}/${prefix}photo one.txt`,
        }),
    ],
    [
      'start a multipart upload',
      () =>
        new CreateMultipartUploadCommand({
          Bucket: target.bucketName,
          Key: `public/${guestIdentity.identityId}/${prefix}big.bin`,
        }),
    ],
    [
      'list public/ (every owner)',
      () => new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: 'public/', Delimiter: '/' }),
    ],
    ['list the bucket root', () => new ListObjectsV2Command({ Bucket: target.bucketName })],
    [
      "list an owner's private folder",
      () => new ListObjectsV2Command({ Bucket: target.bucketName, Prefix: `private/${owner.identityId}/` }),
    ],
  ])('are refused to %s', async (_name, command) => {
    const s3 = storageAs(target, guestIdentity);
    const error = await s3.send(command() as never).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    s3.destroy();
    expect((error as { name?: string } | undefined)?.name).toBe('AccessDenied');
  });

  it('cannot assume the authenticated role with an unauthenticated token', async () => {
    const roleArn = target.roles?.authenticated;
    expect(roleArn).toMatch(/^arn:aws/);
    const { Token } = await cognito.send(new GetOpenIdTokenCommand({ IdentityId: guestIdentity.identityId }));
    const sts = new STSClient({
      region: target.region,
      ...(target.endpoints.sts ? { endpoint: target.endpoints.sts } : {}),
    });
    const assume = (RoleArn: string | undefined) =>
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn,
          RoleSessionName: 'guest-probe',
          WebIdentityToken: Token,
        }),
      );
    const refused = await assume(roleArn).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((refused as { name?: string })?.name).toBe('AccessDenied');
    // The same token is good for the guest role: the refusal is the authenticated role's trust.
    const accepted = await assume(target.roles?.unauthenticated);
    expect(accepted.SubjectFromWebIdentityToken).toBe(guestIdentity.identityId);
    sts.destroy();
  });
});
