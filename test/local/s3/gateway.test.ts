import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityPool } from '../../../local/core/credential-store';
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
  type UserPool,
} from '../support';

const BUCKET = 'user-files-gateway-test';
const ORIGIN = 'http://localhost:3000';

interface Caller {
  readonly identityId: string;
  readonly credentials: AwsCredentialIdentity;
  readonly s3: S3Client;
}

let services: LocalServices;
let pool: UserPool;
let identityPool: IdentityPool;
let alice: Caller;
let bob: Caller;

async function callerFor(username: string, poolToUse: IdentityPool): Promise<Caller> {
  const user = await createUser(services.userPool.url, pool, username);
  const { idToken } = await signIn(services.userPool.url, pool, user);
  const resolved = await identityPoolCredentials(services, poolToUse, pool, idToken)();
  const credentials = {
    accessKeyId: resolved.accessKeyId,
    secretAccessKey: resolved.secretAccessKey,
    sessionToken: resolved.sessionToken ?? '',
    ...(resolved.expiration ? { expiration: resolved.expiration } : {}),
  };
  return { identityId: resolved.identityId, credentials, s3: services.s3For(credentials) };
}

beforeAll(async () => {
  services = await startLocalServices();
  pool = await createUserPool(services.userPool.url, 'gateway-test');
  identityPool = registerIdentityPool(services.store, pool, BUCKET);
  await createBucket(services, BUCKET, [ORIGIN]);
  [alice, bob] = await Promise.all([callerFor('alice', identityPool), callerFor('bob', identityPool)]);
});

afterAll(async () => {
  await services?.close();
});

const key = (level: string, caller: Caller, path: string) => `${level}/${caller.identityId}/${path}`;

async function put(caller: Caller, objectKey: string, body: string, extra: Record<string, unknown> = {}) {
  return caller.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: body, ...extra }));
}

async function read(caller: Caller, objectKey: string): Promise<string> {
  const result = await caller.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
  return (await result.Body?.transformToString()) ?? '';
}

const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };
/** What S3 answers for a missing key to a caller without bucket-wide s3:ListBucket (our role). */
const missing = denied;

async function errorCode(response: Response): Promise<string> {
  return /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1] ?? `(no code, status ${response.status})`;
}

describe('SDK for JavaScript v3 with identity-pool credentials', () => {
  it('puts, gets, lists and deletes in the caller’s own private folder', async () => {
    const objectKey = key('private', alice, 'notes/hello.txt');
    await put(alice, objectKey, 'hello, alice');
    expect(await read(alice, objectKey)).toBe('hello, alice');
    const listed = await alice.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key('private', alice, ''), Delimiter: '/' }),
    );
    expect(listed.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual([key('private', alice, 'notes/')]);
    const head = await alice.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    expect(head.ContentLength).toBe(12);
    await alice.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    await expect(read(alice, objectKey)).rejects.toMatchObject(missing);
  });

  it('uploads a streamed body (aws-chunked with a CRC32 trailer) and stores the object bytes', async () => {
    const objectKey = key('private', alice, 'streamed.bin');
    const parts = [Buffer.from('first part, '), Buffer.from('second part')];
    await put(alice, objectKey, '', { Body: Readable.from(parts), ContentLength: 23 });
    expect(await read(alice, objectKey)).toBe('first part, second part');
  });

  it('lists with the v1 API inside the own folder only', async () => {
    await put(alice, key('private', alice, 'v1.txt'), 'v1');
    const listed = await alice.s3.send(
      new ListObjectsCommand({ Bucket: BUCKET, Prefix: key('private', alice, '') }),
    );
    expect(listed.Contents?.map((object) => object.Key)).toContain(key('private', alice, 'v1.txt'));
    await expect(
      alice.s3.send(new ListObjectsCommand({ Bucket: BUCKET, Prefix: key('private', bob, '') })),
    ).rejects.toMatchObject(denied);
  });

  it("refuses another identity's private folder: read, write, list and delete", async () => {
    const bobsKey = key('private', bob, 'secret.txt');
    await put(bob, bobsKey, 'bob only');
    await expect(read(alice, bobsKey)).rejects.toMatchObject(denied);
    await expect(put(alice, bobsKey, 'overwritten')).rejects.toMatchObject(denied);
    await expect(put(alice, key('private', bob, 'planted.txt'), 'x')).rejects.toMatchObject(denied);
    await expect(
      alice.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key('private', bob, '') })),
    ).rejects.toMatchObject(denied);
    await expect(
      alice.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: bobsKey })),
    ).rejects.toMatchObject(denied);
    expect(await read(bob, bobsKey)).toBe('bob only');
  });

  it("reads and lists another identity's protected folder, but never writes or deletes there", async () => {
    const shared = key('protected', bob, 'shared.txt');
    await put(bob, shared, 'for everyone signed in');
    expect(await read(alice, shared)).toBe('for everyone signed in');
    const listed = await alice.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key('protected', bob, '') }),
    );
    expect(listed.Contents?.map((object) => object.Key)).toEqual([shared]);
    await expect(put(alice, shared, 'defaced')).rejects.toMatchObject(denied);
    await expect(put(alice, key('public', bob, 'planted.txt'), 'x')).rejects.toMatchObject(denied);
    await expect(
      alice.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: shared })),
    ).rejects.toMatchObject(denied);
    expect(await read(bob, shared)).toBe('for everyone signed in');
  });

  it('refuses listing the bucket root or a whole level (no enumeration of owners)', async () => {
    for (const prefix of [undefined, '', 'private/', 'protected/', 'public/']) {
      await expect(
        alice.s3.send(
          new ListObjectsV2Command({ Bucket: BUCKET, ...(prefix === undefined ? {} : { Prefix: prefix }) }),
        ),
      ).rejects.toMatchObject(denied);
    }
  });

  it('deletes only the permitted keys of a DeleteObjects batch and reports the others as AccessDenied', async () => {
    const own = key('private', alice, 'batch.txt');
    const others = key('private', bob, 'batch.txt');
    await Promise.all([put(alice, own, 'mine'), put(bob, others, 'theirs')]);
    const result = await alice.s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: own }, { Key: others }] } }),
    );
    expect(result.Deleted?.map((entry) => entry.Key)).toEqual([own]);
    expect(result.Errors).toEqual([expect.objectContaining({ Key: others, Code: 'AccessDenied' })]);
    await expect(read(alice, own)).rejects.toMatchObject(missing);
    expect(await read(bob, others)).toBe('theirs');
  });

  it('copies with read on the source and write on the target', async () => {
    const source = key('protected', bob, 'copy-source.txt');
    await put(bob, source, 'copy me');
    const target = key('private', alice, 'copied.txt');
    await alice.s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: target, CopySource: `${BUCKET}/${source}` }),
    );
    expect(await read(alice, target)).toBe('copy me');

    const privateSource = key('private', bob, 'not-yours.txt');
    await put(bob, privateSource, 'private');
    await expect(
      alice.s3.send(
        new CopyObjectCommand({ Bucket: BUCKET, Key: target, CopySource: `${BUCKET}/${privateSource}` }),
      ),
    ).rejects.toMatchObject(denied);
    await expect(
      alice.s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: key('protected', bob, 'pushed.txt'),
          CopySource: `${BUCKET}/${target}`,
        }),
      ),
    ).rejects.toMatchObject(denied);
  });

  it('runs a multipart upload in the own folder and refuses one in another identity’s folder', async () => {
    const objectKey = key('private', alice, 'multipart.bin');
    const created = await alice.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: objectKey }));
    const uploadId = created.UploadId ?? '';
    const partBody = Buffer.alloc(5 * 1024 * 1024, 'a');
    const part1 = await alice.s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: objectKey,
        UploadId: uploadId,
        PartNumber: 1,
        Body: partBody,
      }),
    );
    const part2 = await alice.s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: objectKey,
        UploadId: uploadId,
        PartNumber: 2,
        Body: 'tail',
      }),
    );
    const parts = await alice.s3.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: objectKey, UploadId: uploadId }),
    );
    expect(parts.Parts?.map((part) => part.PartNumber)).toEqual([1, 2]);
    await alice.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: objectKey,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.ETag },
            { PartNumber: 2, ETag: part2.ETag },
          ],
        },
      }),
    );
    const head = await alice.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    expect(head.ContentLength).toBe(partBody.length + 4);

    await expect(
      alice.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key('private', bob, 'mp.bin') })),
    ).rejects.toMatchObject(denied);
    const bobsUpload = await bob.s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key('private', bob, 'mp.bin') }),
    );
    const bobsParts = { Bucket: BUCKET, Key: key('private', bob, 'mp.bin'), UploadId: bobsUpload.UploadId };
    await expect(alice.s3.send(new ListPartsCommand(bobsParts))).rejects.toMatchObject(denied);
    await expect(
      alice.s3.send(new UploadPartCommand({ ...bobsParts, PartNumber: 1, Body: 'x' })),
    ).rejects.toMatchObject(denied);
    await expect(alice.s3.send(new AbortMultipartUploadCommand(bobsParts))).rejects.toMatchObject(denied);
    await bob.s3.send(new AbortMultipartUploadCommand(bobsParts));
  });

  it('refuses every operation outside the supported set, whatever the policy', async () => {
    await expect(alice.s3.send(new ListBucketsCommand({}))).rejects.toMatchObject(denied);
    await expect(alice.s3.send(new GetBucketAclCommand({ Bucket: BUCKET }))).rejects.toMatchObject(denied);
    await expect(
      alice.s3.send(
        new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: '{"Version":"2012-10-17","Statement":[]}' }),
      ),
    ).rejects.toMatchObject(denied);
    // A write that would also set an ACL needs s3:PutObjectAcl, which the role does not grant.
    await expect(
      put(alice, key('private', alice, 'acl.txt'), 'x', { ACL: 'public-read' }),
    ).rejects.toMatchObject(denied);
  });

  it('passes conditional writes through: If-None-Match: * on an existing key is 412', async () => {
    const objectKey = key('private', alice, 'once.txt');
    await put(alice, objectKey, 'first', { IfNoneMatch: '*' });
    await expect(put(alice, objectKey, 'second', { IfNoneMatch: '*' })).rejects.toMatchObject({
      $metadata: { httpStatusCode: 412 },
    });
    expect(await read(alice, objectKey)).toBe('first');
  });

  it('verifies checksum headers: a wrong x-amz-checksum-sha256 is BadDigest and stores nothing', async () => {
    const objectKey = key('private', alice, 'checksum.txt');
    const wrong = Buffer.alloc(32, 1).toString('base64');
    await expect(put(alice, objectKey, 'payload', { ChecksumSHA256: wrong })).rejects.toMatchObject({
      name: 'BadDigest',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(read(alice, objectKey)).rejects.toMatchObject(missing);
    const right = createHash('sha256').update('payload').digest('base64');
    await put(alice, objectKey, 'payload', { ChecksumSHA256: right });
    expect(await read(alice, objectKey)).toBe('payload');
  });
});

describe('missing keys, as S3 answers them to the role', () => {
  it('are 403 AccessDenied, not 404, since the role may not list the whole bucket; the listing tells', async () => {
    const gone = key('private', alice, 'never-stored.txt');
    await expect(read(alice, gone)).rejects.toMatchObject(missing);
    await expect(alice.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: gone }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    const listing = await alice.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: gone, MaxKeys: 1 }),
    );
    expect(listing.Contents ?? []).toEqual([]);
    await put(alice, gone, 'now stored');
    expect(await read(alice, gone)).toBe('now stored');
  });
});

describe('SigV4 verification of header-signed requests', () => {
  const objectKey = () => key('private', alice, 'signed.txt');

  it('refuses a wrong secret key with SignatureDoesNotMatch', async () => {
    const forged = services.s3For({
      ...alice.credentials,
      secretAccessKey: `${alice.credentials.secretAccessKey}x`,
    });
    await expect(
      forged.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey() })),
    ).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses an unknown access key with InvalidAccessKeyId', async () => {
    const unknown = services.s3For({ ...alice.credentials, accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' });
    await expect(
      unknown.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey() })),
    ).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("refuses another session's token with InvalidToken, and a missing one", async () => {
    const swapped = services.s3For({
      ...alice.credentials,
      sessionToken: bob.credentials.sessionToken ?? '',
    });
    await expect(
      swapped.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey() })),
    ).rejects.toMatchObject({
      name: 'InvalidToken',
      $metadata: { httpStatusCode: 400 },
    });
    const { sessionToken: _dropped, ...withoutToken } = alice.credentials;
    await expect(
      services.s3For(withoutToken).send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey() })),
    ).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
  });

  it('refuses a request signed 20 minutes off with RequestTimeTooSkewed', async () => {
    const skewed = services.s3For(alice.credentials, { systemClockOffset: -20 * 60 * 1000 });
    await expect(
      skewed.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey() })),
    ).rejects.toMatchObject({
      name: 'RequestTimeTooSkewed',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses an unsigned (anonymous) request with AccessDenied', async () => {
    await put(alice, objectKey(), 'signed');
    const response = await fetch(`${services.gateway.url}/${BUCKET}/${objectKey()}`);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
  });

  it('takes ".." in a key literally: a signed dot-dot path never reaches another folder', async () => {
    // S3 keys are opaque: `private/{me}/../{other}/x` is a key inside my folder, not a path to
    // another one. Sent raw (fetch would normalize it), signed as sent.
    const bobsKey = key('private', bob, 'dotdot.txt');
    await put(bob, bobsKey, 'bob only');
    const signer = new SignatureV4({
      service: 's3',
      region: REGION,
      credentials: alice.credentials,
      sha256: Sha256,
      uriEscapePath: false,
    });
    const gateway = new URL(services.gateway.url);
    for (const dots of ['..', '%2e%2e', '%2E%2E']) {
      const path = `/${BUCKET}/private/${encodeURIComponent(alice.identityId)}/${dots}/${encodeURIComponent(bob.identityId)}/dotdot.txt`;
      const signed = await signer.sign({
        method: 'GET',
        protocol: 'http:',
        hostname: gateway.hostname,
        path,
        query: {},
        headers: { host: gateway.host },
      });
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          { host: gateway.hostname, port: gateway.port, method: 'GET', path, headers: signed.headers },
          (response) => {
            let text = '';
            response.on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          },
        );
        request.on('error', reject);
        request.end();
      });
      expect(body).not.toContain('bob only');
      expect(status).toBe(403);
      expect(body).toContain('<Code>AccessDenied</Code>');
    }
  });

  it('refuses a repeated query parameter, so the policy and storage never read different values', async () => {
    await put(bob, key('private', bob, 'repeated.txt'), 'bob only');
    const signer = new SignatureV4({
      service: 's3',
      region: REGION,
      credentials: alice.credentials,
      sha256: Sha256,
      uriEscapePath: false,
    });
    const gateway = new URL(services.gateway.url);
    // Correctly signed by alice; one `prefix` is hers (what a last-wins check would judge), the
    // other bob's (what a first-wins store would list).
    for (const prefixes of [
      [key('private', bob, ''), key('private', alice, '')],
      [key('private', alice, ''), key('private', bob, '')],
    ]) {
      const signed = await signer.sign({
        method: 'GET',
        protocol: 'http:',
        hostname: gateway.hostname,
        port: Number(gateway.port),
        path: `/${BUCKET}`,
        query: { 'list-type': '2', prefix: prefixes },
        headers: { host: gateway.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      const query = `list-type=2&${prefixes.map((prefix) => `prefix=${encodeURIComponent(prefix)}`).join('&')}`;
      const response = await fetch(`${services.gateway.url}/${BUCKET}?${query}`, { headers: signed.headers });
      const body = await response.text();
      expect(body).not.toContain('repeated.txt');
      expect(response.status).toBe(400);
      expect(body).toContain('<Code>InvalidArgument</Code>');
    }
  });

  it('checks the body against a signed payload hash (XAmzContentSHA256Mismatch)', async () => {
    const signer = new SignatureV4({
      service: 's3',
      region: REGION,
      credentials: alice.credentials,
      sha256: Sha256,
      uriEscapePath: false,
    });
    const url = new URL(`${services.gateway.url}/${BUCKET}/${objectKey()}`);
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'text/plain' },
      body: 'the signed body',
    });
    const send = (body: string) =>
      fetch(url, { method: 'PUT', headers: signed.headers as Record<string, string>, body });
    const tampered = await send('another body!!!');
    expect(tampered.status).toBe(400);
    expect(await errorCode(tampered)).toBe('XAmzContentSHA256Mismatch');
    const genuine = await send('the signed body');
    expect(genuine.status).toBe(200);
    expect(await read(alice, objectKey())).toBe('the signed body');
  });

  it('accepts UNSIGNED-PAYLOAD, and refuses a credential scoped to another region or service', async () => {
    await put(alice, objectKey(), 'read without a payload hash');
    const url = new URL(`${services.gateway.url}/${BUCKET}/${objectKey()}`);
    const signedGet = async (region: string, service: string) => {
      const signer = new SignatureV4({
        service,
        region,
        credentials: alice.credentials,
        sha256: Sha256,
        uriEscapePath: false,
      });
      const signed = await signer.sign({
        method: 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        path: url.pathname,
        query: {},
        headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      return fetch(url, { headers: signed.headers as Record<string, string> });
    };
    const unsigned = await signedGet(REGION, 's3');
    expect(unsigned.status).toBe(200);
    expect(await unsigned.text()).toBe('read without a payload hash');
    for (const [region, service] of [
      ['eu-west-1', 's3'],
      [REGION, 'execute-api'],
    ] as const) {
      const response = await signedGet(region, service);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('AuthorizationHeaderMalformed');
    }
  });

  it('refuses x-amz-* headers that were added after signing', async () => {
    const added = services.s3For(alice.credentials);
    added.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['x-amz-meta-added'] = 'after signing';
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'addAfterSigning' },
    );
    await expect(
      added.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey() })),
    ).rejects.toMatchObject(denied);
  });

  it('refuses credentials once they have expired (ExpiredToken)', async () => {
    const issued = services.store.issueCredentials({
      identityId: alice.identityId,
      identityPoolId: identityPool.id,
      amr: ['authenticated'],
      lifetimeSeconds: 1,
    });
    const shortLived = services.s3For({
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
    });
    await put(alice, objectKey(), 'short-lived');
    await shortLived.send(new HeadObjectCommand({ Bucket: BUCKET, Key: objectKey() }));
    await new Promise((resolve) => setTimeout(resolve, issued.expiration.getTime() - Date.now() + 50));
    await expect(
      shortLived.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey() })),
    ).rejects.toMatchObject({
      name: 'ExpiredToken',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('presigned URLs', () => {
  /** The API signs presigned PUTs with checksums only when required (see the final test). */
  let presigner: S3Client;
  beforeAll(() => {
    presigner = services.s3For(alice.credentials, { requestChecksumCalculation: 'WHEN_REQUIRED' });
  });

  async function presignPut(
    objectKey: string,
    contentType: string,
    size: number,
    expiresIn = 300,
    signingDate?: Date,
  ) {
    return getSignedUrl(
      presigner,
      new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, ContentType: contentType, ContentLength: size }),
      { expiresIn, signableHeaders: new Set(['content-type']), ...(signingDate ? { signingDate } : {}) },
    );
  }

  const upload = (url: string, body: string, contentType = 'text/plain') =>
    fetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body });

  it('uploads with a presigned PUT and downloads with a presigned GET', async () => {
    const objectKey = key('private', alice, 'presigned.txt');
    const response = await upload(await presignPut(objectKey, 'text/plain', 11), 'hello world');
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBeTruthy();
    const download = await fetch(
      await getSignedUrl(presigner, new GetObjectCommand({ Bucket: BUCKET, Key: objectKey })),
    );
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('hello world');
    expect(download.headers.get('content-type')).toBe('text/plain');
  });

  it('enforces a signed checksum header and If-None-Match on a presigned PUT (as the API signs them)', async () => {
    const objectKey = key('private', alice, 'checked.txt');
    const body = 'exact bytes';
    const sha256 = createHash('sha256').update(body).digest('base64');
    const url = await getSignedUrl(
      presigner,
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: objectKey,
        ContentType: 'text/plain',
        ContentLength: body.length,
        ChecksumSHA256: sha256,
        IfNoneMatch: '*',
      }),
      {
        signableHeaders: new Set([
          'content-type',
          'content-length',
          'x-amz-checksum-sha256',
          'if-none-match',
        ]),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      },
    );
    const headers = { 'content-type': 'text/plain', 'x-amz-checksum-sha256': sha256, 'if-none-match': '*' };
    const tampered = await fetch(url, { method: 'PUT', headers, body: 'exact bytez' });
    expect(tampered.status).toBe(400);
    expect(await errorCode(tampered)).toBe('BadDigest');
    expect((await fetch(url, { method: 'PUT', headers, body })).status).toBe(200);
    const again = await fetch(url, { method: 'PUT', headers, body });
    expect(again.status).toBe(412);
    expect(await read(alice, objectKey)).toBe(body);
    // Stored with the object, as S3 does: HeadObject reports the checksum the uploader signed.
    const head = await alice.s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: objectKey, ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumSHA256).toBe(sha256);
  });

  it('refuses a URL whose key was changed (SignatureDoesNotMatch)', async () => {
    const url = await presignPut(key('private', alice, 'a.txt'), 'text/plain', 5);
    const response = await upload(url.replace('/a.txt?', '/b.txt?'), 'hello');
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it("refuses one user's URL rewritten to another user's folder", async () => {
    const url = await presignPut(key('private', alice, 'c.txt'), 'text/plain', 5);
    const rewritten = url.replace(encodeURIComponent(alice.identityId), encodeURIComponent(bob.identityId));
    expect(rewritten).not.toBe(url);
    const response = await upload(rewritten, 'hello');
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('refuses a different Content-Type than signed', async () => {
    const url = await presignPut(key('private', alice, 'typed.txt'), 'text/plain', 5);
    const response = await upload(url, 'hello', 'text/html');
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('refuses a body longer or shorter than the signed Content-Length', async () => {
    const url = await presignPut(key('private', alice, 'sized.txt'), 'text/plain', 5);
    for (const body of ['hello!', 'hell']) {
      const response = await upload(url, body);
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
    }
    expect((await upload(url, 'hello')).status).toBe(200);
  });

  it('refuses an expired URL with AccessDenied "Request has expired"', async () => {
    const url = await presignPut(
      key('private', alice, 'late.txt'),
      'text/plain',
      5,
      60,
      new Date(Date.now() - 120_000),
    );
    const response = await upload(url, 'hello');
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('<Message>Request has expired</Message>');
  });

  it('refuses a URL that expired while waiting (expiresIn 1)', async () => {
    const url = await presignPut(key('private', alice, 'waited.txt'), 'text/plain', 5, 1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await upload(url, 'hello');
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Request has expired');
  });

  it('refuses a changed session token (InvalidToken) and a removed signature', async () => {
    const url = new URL(await presignPut(key('private', alice, 'token.txt'), 'text/plain', 5));
    const swapped = new URL(url);
    swapped.searchParams.set('X-Amz-Security-Token', bob.credentials.sessionToken ?? '');
    const response = await upload(swapped.toString(), 'hello');
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('InvalidToken');

    const unsigned = new URL(url);
    unsigned.searchParams.delete('X-Amz-Signature');
    const withoutSignature = await upload(unsigned.toString(), 'hello');
    expect(withoutSignature.status).toBe(400);
    expect(await errorCode(withoutSignature)).toBe('AuthorizationQueryParametersError');
  });

  it('refuses X-Amz-Expires beyond one week', async () => {
    const url = new URL(await presignPut(key('private', alice, 'week.txt'), 'text/plain', 5));
    url.searchParams.set('X-Amz-Expires', '604801');
    const response = await upload(url.toString(), 'hello');
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('AuthorizationQueryParametersError');
  });

  it("refuses a correctly signed URL for another identity's private object (policy)", async () => {
    const bobsKey = key('private', bob, 'presigned-secret.txt');
    await put(bob, bobsKey, 'bob only');
    const url = await getSignedUrl(presigner, new GetObjectCommand({ Bucket: BUCKET, Key: bobsKey }));
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
  });

  it('enforces a checksum the URL carries: the default presigner signs the empty body’s CRC32', async () => {
    // With the SDK default (requestChecksumCalculation WHEN_SUPPORTED) a presigned PUT carries
    // x-amz-checksum-crc32 of an empty body; S3 then refuses any other body, and so does the gateway.
    const objectKey = key('private', alice, 'crc.txt');
    const url = await getSignedUrl(alice.s3, new PutObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    expect(url).toContain('x-amz-checksum-crc32=AAAAAA%3D%3D');
    const response = await fetch(url, { method: 'PUT', body: 'not empty' });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('BadDigest');
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin and refuses other origins', async () => {
    const url = `${services.gateway.url}/${BUCKET}/${key('private', alice, 'cors.txt')}`;
    const preflight = (origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type');
    const other = await preflight('http://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds CORS headers, exposing ETag, to responses for an allowed origin', async () => {
    const objectKey = key('private', alice, 'cors-get.txt');
    await put(alice, objectKey, 'cors');
    const url = await getSignedUrl(alice.s3, new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    const response = await fetch(url, { headers: { origin: ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
    const foreign = await fetch(url, { headers: { origin: 'http://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the gateway enforces the policy it is given', () => {
  it("lets a session of a '*'-mutated policy read another identity's private object", async () => {
    // Mutation proof: the same users and bucket, but a pool whose role policy has the identity
    // variable replaced by '*'. The refusals above come from the policy, not from the gateway.
    const mutated = registerIdentityPool(services.store, pool, BUCKET, {
      name: 'mutated',
      identityVariable: '*',
    });
    const aliceMutated = await callerFor('alice-mutated', mutated);
    const bobsKey = key('private', bob, 'mutation.txt');
    await put(bob, bobsKey, 'exposed by the mutation');
    expect(await read(aliceMutated, bobsKey)).toBe('exposed by the mutation');
    await expect(read(alice, bobsKey)).rejects.toMatchObject(denied);
  });

  it('never logs credentials, signatures or presigned query strings', () => {
    const joined = services.logs.join('\n');
    expect(joined).toContain('s3: GetObject');
    expect(joined).not.toMatch(/ASIA|X-Amz-Signature|X-Amz-Credential|Signature=|x-amz-security-token/i);
    for (const caller of [alice, bob]) expect(joined).not.toContain(caller.credentials.sessionToken);
  });
});
