/**
 * The local scanner against the S3 gateway with the scan's bucket policy: each object created in a
 * scanned prefix is read with the scanner's own credentials after the delay, tagged with its result
 * (EICAR anywhere in the first MiB: THREATS_FOUND) and reported with GuardDuty's event document;
 * a result about a version that was replaced meanwhile is not applied; objects outside the scanned
 * prefixes are left alone; closing drops pending scans.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResourcePolicyDocument } from '../../../local/core/policy-engine';
import type { StorageWrite } from '../../../local/s3/writes';
import {
  EICAR,
  EICAR_THREAT,
  type Scanner,
  scanDelayFromEnv,
  startScanner,
} from '../../../local/scanner/scanner';
import { SCANNER_ROLE_ARN, scanBucketPolicy } from '../../../local/stack/scanning';
import { SCAN_TAG, type ScanSettings } from '../../../shared/domain/scan';
import { parseScanResult, type ScanResultEvent } from '../../../shared/events/scan-result';
import { buildScannerPolicy } from '../../../shared/policy/scan-policy';
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
  status,
} from '../support';

const BUCKET = 'user-files-scanner-test';
const SETTINGS: ScanSettings = { prefixes: ['private/'], onUnsupported: 'block' };
const KiB = 1024;
const policies = new Map<string, ResourcePolicyDocument>([[BUCKET, scanBucketPolicy(BUCKET, SETTINGS)]]);
let services: LocalServices;
let owner: { identityId: string; s3: S3Client };
let reader: S3Client;
/** Where the gateway's writes go: the scanner of the test running. */
let deliver: (write: StorageWrite) => void = () => {};
let scanner: Scanner;
let sent: ScanResultEvent[];
let afterRead: ((key: string) => Promise<void>) | undefined;
let beforeTag: ((key: string) => Promise<void>) | undefined;

beforeAll(async () => {
  services = await startLocalServices({ bucketPolicies: policies, onEvent: (write) => deliver(write) });
  const pool = await createUserPool(services.userPool.url, 'scanner-test');
  const identityPool = registerIdentityPool(services.store, pool, BUCKET);
  await createBucket(services, BUCKET);
  const user = await createUser(services.userPool.url, pool, 'alice');
  const { idToken } = await signIn(services.userPool.url, pool, user);
  const resolved = await identityPoolCredentials(services, identityPool, pool, idToken)();
  const client = (credentials: typeof resolved) =>
    new S3Client({ region: REGION, endpoint: services.gateway.url, forcePathStyle: true, credentials });
  owner = { identityId: resolved.identityId, s3: client(resolved) };
  // Reads every object's tags, in the scanned prefixes or not (a role of its own: a role has one policy).
  reader = client(
    services.store.issueRoleCredentials('arn:aws:iam::000000000000:role/tag-reader', {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Tags',
          Effect: 'Allow',
          Action: ['s3:GetObjectTagging'],
          Resource: [`arn:aws:s3:::${BUCKET}/*`],
        },
      ],
    }),
  );
});

/** A scanner for one test, with its own credentials (its role's, unless given), reporting into `sent`. */
function start(delayMs = 50, credentials?: AwsCredentialIdentity): Scanner {
  sent = [];
  afterRead = undefined;
  beforeTag = undefined;
  scanner = startScanner({
    endpoint: services.gateway.url,
    region: REGION,
    credentials:
      credentials ??
      services.store.issueRoleCredentials(
        SCANNER_ROLE_ARN,
        buildScannerPolicy(`arn:aws:s3:::${BUCKET}`, SETTINGS),
      ),
    inKeyTurn: services.gateway.inKeyTurn,
    bucket: BUCKET,
    settings: SETTINGS,
    delayMs,
    send: (body) => {
      const event = parseScanResult(JSON.parse(body), BUCKET);
      if (event) sent.push(event);
    },
    afterRead: (key) => afterRead?.(key) ?? Promise.resolve(),
    beforeTag: (key) => beforeTag?.(key) ?? Promise.resolve(),
  });
  deliver = scanner.onEvent;
  return scanner;
}

afterEach(async () => {
  await scanner?.close();
});

afterAll(async () => {
  owner?.s3.destroy();
  reader?.destroy();
  await services?.close();
});

let counter = 0;
const newKey = (level = 'private') => `${level}/${owner.identityId}/scanner/${++counter}.bin`;

async function upload(key: string, body: string | Buffer): Promise<string> {
  const answer = await owner.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return (answer.ETag ?? '').replaceAll('"', '');
}

async function scanTag(key: string): Promise<string | undefined> {
  const answer = await reader.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
  return answer.TagSet?.find((tag) => tag.Key === SCAN_TAG)?.Value;
}

/** The status of the owner's GET of `key`, its body read through (200 when served). */
const ownerRead = (key: string) =>
  status(
    owner.s3
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
      .then((answer) => answer.Body?.transformToByteArray()),
  );

/** `text` at `offset` in a buffer of filler bytes. */
function withTextAt(offset: number, text: string, length = offset + text.length + 16): Buffer {
  const bytes = Buffer.alloc(length, 0x61);
  bytes.write(text, offset, 'latin1');
  return bytes;
}

describe('the local scanner', () => {
  it('tags the EICAR test file THREATS_FOUND and reports it', async () => {
    start();
    const key = newKey();
    const eTag = await upload(key, EICAR);
    await scanner.drain();
    expect(await scanTag(key)).toBe('THREATS_FOUND');
    expect(sent).toEqual([
      expect.objectContaining({ key, eTag, result: 'THREATS_FOUND', threats: [EICAR_THREAT] }),
    ]);
    expect(await ownerRead(key)).toBe(403);
  });

  it('tags a clean file NO_THREATS_FOUND, after which its owner reads it', async () => {
    start();
    const key = newKey();
    const eTag = await upload(key, 'just text');
    expect(await ownerRead(key)).toBe(403);
    await scanner.drain();
    expect(await scanTag(key)).toBe('NO_THREATS_FOUND');
    expect(sent).toEqual([expect.objectContaining({ key, eTag, result: 'NO_THREATS_FOUND', threats: [] })]);
    expect(await ownerRead(key)).toBe(200);
  });

  it('finds EICAR anywhere in the first MiB, and not beyond it', async () => {
    start();
    const inside = newKey();
    const edge = newKey();
    const beyond = newKey();
    await upload(inside, withTextAt(500 * KiB, EICAR));
    await upload(edge, withTextAt(1024 * KiB - EICAR.length, EICAR));
    await upload(beyond, withTextAt(1024 * KiB + 10, EICAR));
    await scanner.drain();
    expect(await scanTag(inside)).toBe('THREATS_FOUND');
    expect(await scanTag(edge)).toBe('THREATS_FOUND');
    expect(await scanTag(beyond)).toBe('NO_THREATS_FOUND');
  });

  it('does not apply a result to an object replaced after it was read; the replacement gets its own', async () => {
    start();
    const key = newKey();
    await upload(key, EICAR);
    let replaced: string | undefined;
    afterRead = async (scanned) => {
      if (scanned !== key || replaced !== undefined) return;
      replaced = await upload(key, 'the clean replacement');
    };
    await scanner.drain();
    expect(sent).toEqual([expect.objectContaining({ key, eTag: replaced, result: 'NO_THREATS_FOUND' })]);
    expect(await scanTag(key)).toBe('NO_THREATS_FOUND');
    expect(scanner.stats).toMatchObject({ scanned: 1, skipped: 1, failed: 0 });
  });

  it('checks the ETag and tags in the key’s write turn: an overwrite racing the tag waits, and gets its own result', async () => {
    start();
    const key = newKey();
    const first = await upload(key, 'clean at first');
    let overwrite: Promise<string> | undefined;
    let landedBeforeTag = false;
    beforeTag = async (tagged) => {
      if (tagged !== key || overwrite !== undefined) return;
      // An infected overwrite right between the ETag check and the tag; given time to land.
      overwrite = upload(key, EICAR);
      landedBeforeTag = await Promise.race([
        overwrite.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
      ]);
    };
    await scanner.drain();
    const replaced = await overwrite;
    await scanner.drain();
    expect(landedBeforeTag).toBe(false);
    // The clean result went to the object scanned; the overwrite kept none of it and got its own.
    expect(sent).toEqual([
      expect.objectContaining({ key, eTag: first, result: 'NO_THREATS_FOUND' }),
      expect.objectContaining({ key, eTag: replaced, result: 'THREATS_FOUND' }),
    ]);
    expect(await scanTag(key)).toBe('THREATS_FOUND');
    expect(await ownerRead(key)).toBe(403);
  });

  it('skips an object deleted before its scan', async () => {
    start();
    const key = newKey();
    await upload(key, 'short-lived');
    await owner.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    await scanner.drain();
    expect(sent).toEqual([]);
    expect(scanner.stats).toMatchObject({ scanned: 0, skipped: 1, failed: 0 });
  });

  it('reports FAILED when its credentials are refused, rather than leaving the object pending unseen', async () => {
    start(50, { accessKeyId: 'AKIAUNKNOWNSCANNER00', secretAccessKey: 'not-a-secret-of-ours' });
    const key = newKey();
    await upload(key, 'never read');
    await scanner.drain();
    expect(sent).toEqual([expect.objectContaining({ key, result: 'FAILED', threats: [] })]);
    expect(scanner.stats).toMatchObject({ scanned: 0, skipped: 0, failed: 1 });
  });

  it('reports ACCESS_DENIED for an object its role may list but not read', async () => {
    const listOnly = services.store.issueRoleCredentials('arn:aws:iam::000000000000:role/list-only', {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'List', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${BUCKET}`] },
      ],
    });
    start(50, listOnly);
    const key = newKey();
    const eTag = await upload(key, 'not for the scanner');
    await scanner.drain();
    expect(sent).toEqual([expect.objectContaining({ key, eTag, result: 'ACCESS_DENIED', threats: [] })]);
    expect(scanner.stats).toMatchObject({ scanned: 0, skipped: 0, failed: 1 });
  });

  it('leaves objects outside the scanned prefixes alone', async () => {
    start();
    const key = newKey('protected');
    await upload(key, EICAR);
    await scanner.drain();
    expect(sent).toEqual([]);
    expect(await scanTag(key)).toBeUndefined();
  });

  it('drops scans not begun when closed, leaving no timer behind', async () => {
    start(60_000);
    const key = newKey();
    await upload(key, EICAR);
    await scanner.close();
    await scanner.drain();
    expect(sent).toEqual([]);
    expect(await scanTag(key)).toBeUndefined();
  });
});

describe('SCAN_DELAY_MS', () => {
  it('defaults to 300 ms and takes a whole number of ms', () => {
    expect(scanDelayFromEnv({})).toBe(300);
    expect(scanDelayFromEnv({ SCAN_DELAY_MS: '0' })).toBe(0);
    expect(scanDelayFromEnv({ SCAN_DELAY_MS: '1500' })).toBe(1500);
    for (const bad of ['-1', '1.5', 'soon', '600001', ' 5']) {
      expect(() => scanDelayFromEnv({ SCAN_DELAY_MS: bad })).toThrow(/SCAN_DELAY_MS/);
    }
  });
});
