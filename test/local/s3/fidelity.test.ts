/**
 * Where the gateway must answer as S3 does although moto does not: response overrides on presigned
 * GETs, form-typed uploads stored byte-exact, forged continuation tokens; and bodies received
 * without holding them in memory.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Gateway, startS3Gateway } from '../../../local/s3/gateway';
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
} from '../support';

const BUCKET = 'user-files-fidelity';

let services: LocalServices;
let identityId: string;
let credentials: AwsCredentialIdentity;
const clients: S3Client[] = [];

function s3For(gateway: S3Gateway, config: Record<string, unknown> = {}): S3Client {
  const client = new S3Client({
    region: REGION,
    endpoint: gateway.url,
    credentials,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...config,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  services = await startLocalServices();
  const pool = await createUserPool(services.userPool.url, 'fidelity');
  const identityPool = registerIdentityPool(services.store, pool, BUCKET);
  await createBucket(services, BUCKET);
  const user = await createUser(services.userPool.url, pool, 'carol');
  const { idToken } = await signIn(services.userPool.url, pool, user);
  const resolved = await identityPoolCredentials(services, identityPool, pool, idToken)();
  identityId = resolved.identityId;
  credentials = {
    accessKeyId: resolved.accessKeyId,
    secretAccessKey: resolved.secretAccessKey,
    sessionToken: resolved.sessionToken ?? '',
  };
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await services?.close();
});

const key = (path: string) => `private/${identityId}/${path}`;

describe('presigned GET response overrides', () => {
  it('sets Content-Disposition and the other response-* headers from the signed query, as S3 does', async () => {
    const s3 = s3For(services.gateway);
    const objectKey = key('report.txt');
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: 'x', ContentType: 'text/plain' }),
    );
    const disposition = `attachment; filename="r_sum_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`;
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: objectKey,
        ResponseContentDisposition: disposition,
        ResponseContentType: 'application/octet-stream',
        ResponseCacheControl: 'no-store',
      }),
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('x');
  });
});

describe('uploads with a form content type', () => {
  for (const contentType of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=X']) {
    it(`stores a presigned PUT signed as ${contentType.split(';')[0]} byte-exact, with its type`, async () => {
      const s3 = s3For(services.gateway);
      const body = Buffer.from(
        'a=1&b=%20two&key=value\r\n--X\r\nContent-Disposition: form-data; name="f"\r\n\r\n\u00ff\u0000',
      );
      const objectKey = key(`form-${contentType.length}.bin`);
      const url = await getSignedUrl(
        s3,
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: objectKey,
          ContentType: contentType,
          ContentLength: body.length,
        }),
        { signableHeaders: new Set(['content-type']) },
      );
      const put = await fetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body });
      expect(put.status).toBe(200);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
      expect(Buffer.from((await got.Body?.transformToByteArray()) ?? [])).toEqual(body);
      expect(got.ContentType).toBe(contentType);
      expect(got.Metadata ?? {}).toEqual({});
    });
  }

  it('refuses the metadata name that holds a form type, so no client can set a stored type', async () => {
    const s3 = s3For(services.gateway);
    await expect(
      s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: key('reserved.txt'),
          Body: 'x',
          Metadata: { 'local-gateway-content-type': 'text/html' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  });
});

describe('listing continuation tokens', () => {
  it('answers a token storage never issued with 400 InvalidArgument, as S3 does', async () => {
    const s3 = s3For(services.gateway);
    for (const token of ['forged', 'a'.repeat(32), '0123456789abcdef0123456789abcdef']) {
      await expect(
        s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key(''), ContinuationToken: token })),
      ).rejects.toMatchObject({
        name: 'InvalidArgument',
        message: 'The continuation token provided is incorrect',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('still pages with the tokens storage issues', async () => {
    const s3 = s3For(services.gateway);
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(`pages/${name}`), Body: name }));
    }
    const first = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key('pages/'), MaxKeys: 2 }),
    );
    expect(first.NextContinuationToken).toBeTruthy();
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: key('pages/'),
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents?.map((object) => object.Key)).toEqual([key('pages/page-c')]);
  });
});

describe('request bodies are not held in memory', () => {
  it('streams a large PUT through verification to storage: no memory budget used, stored exactly', async () => {
    const s3 = s3For(services.gateway);
    const size = 48 * 1024 * 1024;
    const body = Buffer.alloc(size, 'large body ');
    const objectKey = key('large.bin');
    const before = services.gateway.bodyStats();
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: objectKey,
        Body: body,
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      }),
    );
    const stats = services.gateway.bodyStats();
    expect(stats.memoryPeak).toBe(before.memoryPeak);
    expect(stats.spoolPeak).toBeGreaterThanOrEqual(size);
    expect(stats.spoolInUse).toBe(0);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
    const stored = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(stored.length).toBe(size);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
  });

  describe('with small budgets', () => {
    let small: S3Gateway;
    beforeAll(async () => {
      small = await startS3Gateway({
        upstream: 'http://127.0.0.1',
        upstreamAgent: services.moto.agent,
        store: services.store,
        region: REGION,
        spoolBudgetBytes: 1024 * 1024,
        memoryBudgetBytes: 4096,
      });
    });
    afterAll(async () => {
      await small?.close();
    });

    it('answers 503 SlowDown past the disk budget before reading the body, and stores nothing', async () => {
      const s3 = s3For(small);
      const objectKey = key('over-budget.bin');
      await expect(
        s3.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: Buffer.alloc(2 * 1024 * 1024) }),
        ),
      ).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: Buffer.alloc(512 * 1024) }));
      expect(small.bodyStats()).toMatchObject({ spoolInUse: 0, spoolPeak: 512 * 1024 });
    });

    it('answers 503 SlowDown past the memory budget for XML bodies', async () => {
      const s3 = s3For(small);
      const objects = Array.from({ length: 100 }, (_, index) => ({ Key: key(`batch/${index}.txt`) }));
      await expect(
        s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: objects } })),
      ).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      expect(small.bodyStats().memoryPeak).toBe(0);
      const response = await s3.send(
        new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: objects.slice(0, 2) } }),
      );
      expect(response.Deleted).toHaveLength(2);
      expect(small.bodyStats().memoryInUse).toBe(0);
    });
  });
});
