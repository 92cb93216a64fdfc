/**
 * Malware scanning at the S3 gateway: with the scan's bucket policy, an object is served to its
 * owner only once tagged clean (GET, HEAD and a URL presigned before the scan alike); nobody but
 * the scanner sets or removes the tag, neither with the tagging operations nor with tags sent
 * along a write or a copy; the events function's role reads unscanned objects. Without the bucket
 * policy (scanning off), reads work as before and the tagging operations are the role policy's.
 * A read is served only from the object its tags were read from: an overwrite between the decision
 * and the read gets 403, and a client's own preconditions still apply.
 */
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourcePolicyDocument } from '../../../local/core/policy-engine';
import { EVENTS_ROLE_ARN } from '../../../local/stack/functions';
import { SCANNER_ROLE_ARN, scanBucketPolicy } from '../../../local/stack/scanning';
import { SCAN_TAG, type ScanResult } from '../../../shared/domain/scan';
import { buildEventsFunctionPolicy } from '../../../shared/policy/events-policy';
import { buildScannerPolicy } from '../../../shared/policy/scan-policy';
import {
  createBucket,
  createUser,
  createUserPool,
  identityPoolCredentials,
  type LocalServices,
  registerIdentityPool,
  signIn,
  startLocalServices,
  status,
} from '../support';

const BUCKET = 'user-files-scanning-test';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const policies = new Map<string, ResourcePolicyDocument>();
let services: LocalServices;
let owner: { identityId: string; s3: S3Client };
let scanner: S3Client;
let events: S3Client;
/** Runs once a request is authorized, before it reaches moto (a race, placed exactly). */
let afterAuthorize: ((operation: { name: string; key?: string }) => Promise<void>) | undefined;

beforeAll(async () => {
  services = await startLocalServices({
    bucketPolicies: policies,
    afterAuthorize: (operation) => afterAuthorize?.(operation) ?? Promise.resolve(),
  });
  policies.set(BUCKET, scanBucketPolicy(BUCKET, { prefixes: [], onUnsupported: 'block' }));
  const pool = await createUserPool(services.userPool.url, 'scanning-test');
  const identityPool = registerIdentityPool(services.store, pool, BUCKET);
  await createBucket(services, BUCKET);
  const user = await createUser(services.userPool.url, pool, 'alice');
  const { idToken } = await signIn(services.userPool.url, pool, user);
  const resolved = await identityPoolCredentials(services, identityPool, pool, idToken)();
  owner = { identityId: resolved.identityId, s3: services.s3For(resolved) };
  scanner = services.s3For(
    services.store.issueRoleCredentials(SCANNER_ROLE_ARN, buildScannerPolicy(BUCKET_ARN, { prefixes: [] })),
  );
  events = services.s3For(
    services.store.issueRoleCredentials(EVENTS_ROLE_ARN, buildEventsFunctionPolicy(BUCKET_ARN)),
  );
});

afterAll(async () => {
  await services?.close();
});

let counter = 0;
/** A new key in the owner's private folder. */
const newKey = () => `private/${owner.identityId}/scan/${++counter}.txt`;

async function upload(key: string, body = 'hello'): Promise<string> {
  const answer = await owner.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return answer.ETag ?? '';
}

async function tagAs(key: string, result: ScanResult): Promise<void> {
  await scanner.send(
    new PutObjectTaggingCommand({
      Bucket: BUCKET,
      Key: key,
      Tagging: { TagSet: [{ Key: SCAN_TAG, Value: result }] },
    }),
  );
}

async function tagsOf(key: string): Promise<Record<string, string>> {
  const answer = await scanner.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
  return Object.fromEntries((answer.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
}

const read = (key: string, client = owner.s3) =>
  status(
    client
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
      .then((answer) => answer.Body?.transformToString()),
  );
const head = (key: string) => status(owner.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })));

describe('with the scan bucket policy: reads wait for a clean tag', () => {
  it('refuses an untagged object to its owner: GET, HEAD and a URL presigned before the scan', async () => {
    const key = newKey();
    await upload(key);
    const url = await getSignedUrl(owner.s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await read(key)).toBe(403);
    expect(await head(key)).toBe(403);
    const early = await fetch(url);
    expect(early.status).toBe(403);
    expect(await early.text()).toContain('<Code>AccessDenied</Code>');

    await tagAs(key, 'NO_THREATS_FOUND');
    expect(await read(key)).toBe(200);
    expect(await head(key)).toBe(200);
    // The same URL, signed before the scan, is judged when it is used.
    const later = await fetch(url);
    expect(later.status).toBe(200);
    expect(await later.text()).toBe('hello');
  });

  it('refuses an object tagged THREATS_FOUND, FAILED or UNSUPPORTED (onUnsupported: block)', async () => {
    for (const result of ['THREATS_FOUND', 'FAILED', 'UNSUPPORTED'] as const) {
      const key = newKey();
      await upload(key);
      await tagAs(key, result);
      expect(await read(key)).toBe(403);
      expect(await head(key)).toBe(403);
    }
  });

  it('lets the scanner read and tag, and the events function read, before the scan', async () => {
    const key = newKey();
    await upload(key, 'unscanned');
    expect(await read(key, scanner)).toBe(200);
    expect(await read(key, events)).toBe(200);
    await tagAs(key, 'THREATS_FOUND');
    expect(await tagsOf(key)).toEqual({ [SCAN_TAG]: 'THREATS_FOUND' });
    // A new upload replaces the object and its tags: pending again.
    await upload(key, 'replaced');
    expect(await tagsOf(key)).toEqual({});
  });

  it('refuses the tagging operations to the owner and to the events function', async () => {
    const key = newKey();
    await upload(key);
    await tagAs(key, 'THREATS_FOUND');
    for (const client of [owner.s3, events]) {
      const put = client.send(
        new PutObjectTaggingCommand({
          Bucket: BUCKET,
          Key: key,
          Tagging: { TagSet: [{ Key: SCAN_TAG, Value: 'NO_THREATS_FOUND' }] },
        }),
      );
      expect(await status(put)).toBe(403);
      expect(await status(client.send(new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: key })))).toBe(
        403,
      );
    }
    expect(await tagsOf(key)).toEqual({ [SCAN_TAG]: 'THREATS_FOUND' });
  });

  it('refuses writes that arrive already tagged: PutObject, CreateMultipartUpload, a copy replacing tags', async () => {
    const source = newKey();
    await upload(source);
    const Tagging = `${SCAN_TAG}=NO_THREATS_FOUND`;
    const key = newKey();
    expect(
      await status(owner.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x', Tagging }))),
    ).toBe(403);
    expect(
      await status(owner.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, Tagging }))),
    ).toBe(403);
    const copy = new CopyObjectCommand({
      Bucket: BUCKET,
      Key: key,
      CopySource: `${BUCKET}/${source}`,
      TaggingDirective: 'REPLACE',
      Tagging,
    });
    expect(await status(owner.s3.send(copy))).toBe(403);
    expect(await status(events.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).toBe(403);
  });

  it('copies a readable object untagged with REPLACE, and refuses to copy its clean tag (COPY)', async () => {
    const source = newKey();
    await upload(source, 'clean content');
    await tagAs(source, 'NO_THREATS_FOUND');
    const target = newKey();
    const replace = new CopyObjectCommand({
      Bucket: BUCKET,
      Key: target,
      CopySource: `${BUCKET}/${source}`,
      TaggingDirective: 'REPLACE',
    });
    expect(await status(owner.s3.send(replace))).toBe(200);
    expect(await tagsOf(target)).toEqual({});
    expect(await read(target)).toBe(403);
    // COPY (the default) of a tagged source needs s3:PutObjectTagging on the target: only the scanner's.
    const keep = new CopyObjectCommand({ Bucket: BUCKET, Key: newKey(), CopySource: `${BUCKET}/${source}` });
    expect(await status(owner.s3.send(keep))).toBe(403);
  });
});

describe('a read is served only from the object it was judged by', () => {
  /** Overwrites `key` once, right after the first `name` request for it is authorized. */
  function overwriteAfterAuthorizing(name: string, key: string, body: string): void {
    afterAuthorize = async (operation) => {
      if (operation.name !== name || operation.key !== key) return;
      afterAuthorize = undefined;
      await upload(key, body);
    };
  }

  async function cleanObject(body = 'clean'): Promise<{ key: string; etag: string }> {
    const key = newKey();
    const etag = await upload(key, body);
    await tagAs(key, 'NO_THREATS_FOUND');
    return { key, etag };
  }

  it('refuses a GET whose object was overwritten after it was authorized (403, never the new bytes)', async () => {
    const { key } = await cleanObject();
    overwriteAfterAuthorizing('GetObject', key, 'unscanned replacement');
    expect(await read(key)).toBe(403);
    expect(afterAuthorize).toBeUndefined();
    // The replacement is there, untagged, and refused on its own.
    expect(await tagsOf(key)).toEqual({});
    expect(await read(key, scanner)).toBe(200);
    expect(await read(key)).toBe(403);
  });

  it('refuses a HEAD and a presigned GET the same way', async () => {
    const first = await cleanObject();
    overwriteAfterAuthorizing('HeadObject', first.key, 'replacement');
    expect(await head(first.key)).toBe(403);
    const second = await cleanObject();
    const url = await getSignedUrl(owner.s3, new GetObjectCommand({ Bucket: BUCKET, Key: second.key }));
    overwriteAfterAuthorizing('GetObject', second.key, 'replacement');
    const answer = await fetch(url);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('keeps the client’s own If-Match and If-Unmodified-Since', async () => {
    const { key, etag } = await cleanObject();
    const get = (input: Omit<ConstructorParameters<typeof GetObjectCommand>[0], 'Bucket' | 'Key'>) =>
      status(
        owner.s3
          .send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...input }))
          .then((answer) => answer.Body?.transformToString()),
      );
    expect(await get({ IfMatch: etag })).toBe(200);
    expect(await get({ IfMatch: etag.replaceAll('"', '') })).toBe(200);
    expect(await get({ IfMatch: '"0123456789abcdef0123456789abcdef"' })).toBe(412);
    expect(await get({ IfUnmodifiedSince: new Date('2001-01-01T00:00:00Z') })).toBe(412);
    expect(await get({ IfNoneMatch: etag })).toBe(304);
    // The client's If-Match named the object it was judged by; the key holds another one by the read.
    overwriteAfterAuthorizing('GetObject', key, 'replacement');
    expect(await get({ IfMatch: etag })).toBe(403);
  });
});

describe('without a bucket policy (scanning off)', () => {
  beforeAll(() => policies.delete(BUCKET));
  afterAll(() => policies.set(BUCKET, scanBucketPolicy(BUCKET, { prefixes: [], onUnsupported: 'block' })));

  it('serves untagged objects as before, and lets the owner read its tags', async () => {
    const key = newKey();
    await upload(key);
    expect(await read(key)).toBe(200);
    expect(await head(key)).toBe(200);
    const tags = await owner.s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
    expect(tags.TagSet).toEqual([]);
  });

  it('leaves tagging to the role policies: the owner may not tag, the scanner may', async () => {
    const key = newKey();
    await upload(key);
    const put = new PutObjectTaggingCommand({
      Bucket: BUCKET,
      Key: key,
      Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] },
    });
    expect(await status(owner.s3.send(put))).toBe(403);
    expect(await status(scanner.send(put))).toBe(200);
    expect(await tagsOf(key)).toEqual({ a: 'b' });
  });

  it('ignores x-amz-tagging on a copy that keeps its source’s tags (COPY), as S3 does', async () => {
    const source = newKey();
    await upload(source);
    const target = newKey();
    const copy = new CopyObjectCommand({
      Bucket: BUCKET,
      Key: target,
      CopySource: `${BUCKET}/${source}`,
      Tagging: `${SCAN_TAG}=NO_THREATS_FOUND`,
    });
    // No tags are set, so no s3:PutObjectTagging is needed, and none reach moto.
    expect(await status(owner.s3.send(copy))).toBe(200);
    expect(await tagsOf(target)).toEqual({});
  });
});
