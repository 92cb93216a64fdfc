/**
 * Malware scanning as the API reports it: each route reads the scan tag with the caller's (or the
 * guest's) session, only for keys in the scanned prefixes, and never without scanning configured;
 * a URL is signed only for what storage would serve.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../../../lambdas/api/config';
import { SCAN_RETRY_AFTER_SECONDS } from '../../../../../lambdas/api/routes/scan-status';
import { encodeHandle, MIB } from '../../../../../shared/domain/multipart';
import { SCAN_TAG } from '../../../../../shared/domain/scan';
import {
  alice,
  awsError,
  bob,
  ENV,
  type EventInput,
  event,
  expectBadRequest,
  expectContract,
  GUEST_ROLE_ARN,
  parse,
  useHarness,
} from '../../../support/fixtures';

/** Scanning private and public keys; protected ones are not held. */
const SCANNING = { prefixes: ['private/', 'public/'], onUnsupported: 'block' };
const scanConfig = (settings: object = SCANNING, extra: Record<string, string> = {}) =>
  loadConfig({ ...ENV, ...extra, MALWARE_SCANNING: JSON.stringify(settings) });

const PRIVATE_KEY = `private/${alice.identityId}/docs/report.pdf`;
const modified = new Date(Date.UTC(2026, 0, 2));

type Harness = ReturnType<ReturnType<typeof useHarness>>;

/** The tag GuardDuty (or the local scanner) wrote, or none yet. */
function tagged(harness: Harness, value: string | undefined) {
  harness.aws.s3.on(GetObjectTaggingCommand).resolves({
    TagSet:
      value === undefined
        ? []
        : [
            { Key: 'other', Value: 'x' },
            { Key: SCAN_TAG, Value: value },
          ],
  });
}

function headAnswers(harness: Harness) {
  harness.aws.s3
    .on(HeadObjectCommand)
    .resolves({ ContentLength: 3, ContentType: 'application/pdf', ETag: '"e"', LastModified: modified });
}

/** Storage refuses a HEAD of an object it does not serve (the bucket policy's deny); the key is listed. */
function headRefused(harness: Harness) {
  harness.aws.s3.on(HeadObjectCommand).rejects(awsError('Forbidden', 403));
  harness.aws.s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: PRIVATE_KEY }] });
}

const tagReads = (harness: Harness) =>
  harness.aws.s3.commandCalls(GetObjectTaggingCommand).map((call) => call.args[0].input);

const download = (body: unknown): EventInput => ({ method: 'POST', path: '/files/downloads', body });
const properties = (query: Record<string, string>): EventInput => ({
  method: 'GET',
  path: '/files/properties',
  query,
});
const listing = (query: Record<string, string>): EventInput => ({ method: 'GET', path: '/files', query });

/** Every tag value, with the status it reports and what a download answers. */
const STATUSES = [
  [undefined, 'pending', 409, 'scan_pending'],
  ['NO_THREATS_FOUND', 'clean', 201, undefined],
  ['THREATS_FOUND', 'infected', 409, 'scan_blocked'],
  ['UNSUPPORTED', 'unsupported', 409, 'scan_blocked'],
  ['FAILED', 'failed', 409, 'scan_blocked'],
  ['ACCESS_DENIED', 'failed', 409, 'scan_blocked'],
] as const;

describe('with malware scanning', () => {
  const harness = useHarness({ config: scanConfig() });

  describe('POST /files/downloads', () => {
    test.each(STATUSES)('tag %s: scan %s, status %i %s', async (tag, scan, status, code) => {
      tagged(harness(), tag);
      const request = download({ level: 'private', key: 'docs/report.pdf' });
      const response = await harness().call(request);
      expect(response.statusCode, response.body).toBe(status);
      expectContract(request, response);
      const body = parse(response);
      expect(body.scan).toBe(scan);
      if (code === undefined) {
        expect(String(body.url)).toContain('X-Amz-Signature');
      } else {
        expect(body.code).toBe(code);
        expect(response.body).not.toContain('X-Amz-Signature');
      }
      expect(response.headers?.['Retry-After']).toBe(
        code === 'scan_pending' ? String(SCAN_RETRY_AFTER_SECONDS) : undefined,
      );
      expect(body.retryAfter).toBe(code === 'scan_pending' ? SCAN_RETRY_AFTER_SECONDS : undefined);
      // One tag read, with the caller's own credentials, of exactly that key.
      expect(tagReads(harness())).toEqual([{ Bucket: 'user-files-test', Key: PRIVATE_KEY }]);
      const credentials = await harness()
        .aws.s3.commandCalls(GetObjectTaggingCommand)[0]
        ?.thisValue.config.credentials();
      expect(credentials?.accessKeyId).toBe('ASIAUSER1KEY');
    });

    test('a key outside the scanned prefixes reads no tag and answers no scan', async () => {
      const request = download({ level: 'protected', key: 'a.txt', owner: bob.identityId });
      const response = await harness().call(request);
      expect(response.statusCode, response.body).toBe(201);
      expect(parse(response).scan).toBeUndefined();
      expect(harness().aws.s3.calls()).toHaveLength(0);
    });

    test('a refused tag read maps as a refused HEAD: 404 for a missing key, 403 for a real refusal', async () => {
      harness().aws.s3.on(GetObjectTaggingCommand).rejects(awsError('AccessDenied', 403));
      harness().aws.s3.on(ListObjectsV2Command).resolves({ Contents: [] });
      const missing = await harness().call(download({ level: 'private', key: 'docs/report.pdf' }));
      expect(missing.statusCode).toBe(404);
      harness()
        .aws.s3.on(ListObjectsV2Command)
        .resolves({ Contents: [{ Key: PRIVATE_KEY }] });
      const refused = await harness().call(download({ level: 'private', key: 'docs/report.pdf' }));
      expect(refused.statusCode).toBe(403);
      expect(parse(refused).code).toBe('forbidden');
    });

    test('inline: the tag and the HEAD for the type are read together; the scan problem wins', async () => {
      // The tag read answers only once the HEAD has been sent: read one after the other, it times out.
      let headSent: () => void = () => {};
      const head = new Promise<void>((resolve) => {
        headSent = resolve;
      });
      const tagAfterHead = (value: string | undefined) =>
        harness()
          .aws.s3.on(GetObjectTaggingCommand)
          .callsFake(async () => {
            const timeout = new Promise((_, reject) =>
              setTimeout(() => reject(new Error('no HEAD yet')), 500),
            );
            await Promise.race([head, timeout]);
            return { TagSet: value === undefined ? [] : [{ Key: SCAN_TAG, Value: value }] };
          });
      tagAfterHead('NO_THREATS_FOUND');
      harness()
        .aws.s3.on(HeadObjectCommand)
        .callsFake(() => {
          headSent();
          return { ContentLength: 3, ContentType: 'application/pdf', ETag: '"e"', LastModified: modified };
        });
      const response = await harness().call(
        download({ level: 'private', key: 'docs/report.pdf', inline: true }),
      );
      expect(response.statusCode, response.body).toBe(201);
      expect(parse(response).scan).toBe('clean');
      expect(new URL(String(parse(response).url)).searchParams.get('response-content-type')).toBe(
        'application/pdf',
      );

      // Pending: storage refuses the HEAD, and the answer is the scan problem, not that refusal.
      tagAfterHead(undefined);
      harness()
        .aws.s3.on(HeadObjectCommand)
        .callsFake(() => {
          headSent();
          throw awsError('Forbidden', 403);
        });
      harness()
        .aws.s3.on(ListObjectsV2Command)
        .resolves({ Contents: [{ Key: PRIVATE_KEY }] });
      const pending = await harness().call(
        download({ level: 'private', key: 'docs/report.pdf', inline: true }),
      );
      expect(pending.statusCode, pending.body).toBe(409);
      expect(parse(pending).code).toBe('scan_pending');
    });
  });

  test('POST /files/downloads/batch: each item checked, a pending one carrying retryAfter', async () => {
    harness()
      .aws.s3.on(GetObjectTaggingCommand, { Key: PRIVATE_KEY })
      .resolves({ TagSet: [] })
      .on(GetObjectTaggingCommand, { Key: `private/${alice.identityId}/clean.pdf` })
      .resolves({ TagSet: [{ Key: SCAN_TAG, Value: 'NO_THREATS_FOUND' }] })
      .on(GetObjectTaggingCommand, { Key: `private/${alice.identityId}/bad.exe` })
      .resolves({ TagSet: [{ Key: SCAN_TAG, Value: 'THREATS_FOUND' }] });
    const request: EventInput = {
      method: 'POST',
      path: '/files/downloads/batch',
      body: {
        items: [
          { level: 'private', key: 'docs/report.pdf' },
          { level: 'private', key: 'clean.pdf' },
          { level: 'protected', key: 'not-scanned.txt' },
          { level: 'private', key: 'bad.exe' },
        ],
      },
    };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    const items = parse(response).items as Array<Record<string, Record<string, unknown>>>;
    expect(items.map((item) => item.status)).toEqual([409, 201, 201, 409]);
    expect(items[0]?.problem).toMatchObject({
      code: 'scan_pending',
      scan: 'pending',
      retryAfter: SCAN_RETRY_AFTER_SECONDS,
    });
    expect(items[1]?.download?.scan).toBe('clean');
    expect(items[2]?.download?.scan).toBeUndefined();
    expect(items[3]?.problem).toMatchObject({ code: 'scan_blocked', scan: 'infected' });
    expect(tagReads(harness())).toHaveLength(3);
  });

  describe('GET /files/properties', () => {
    test('a clean object: its properties and scan, the HEAD and the tag read together', async () => {
      tagged(harness(), 'NO_THREATS_FOUND');
      headAnswers(harness());
      const request = properties({ level: 'private', key: 'docs/report.pdf' });
      const response = await harness().call(request);
      expect(response.statusCode, response.body).toBe(200);
      expectContract(request, response);
      expect(parse(response)).toMatchObject({ size: 3, contentType: 'application/pdf', scan: 'clean' });
      expect(tagReads(harness())).toHaveLength(1);
    });

    test.each(STATUSES.filter(([, , status]) => status === 409))(
      'tag %s: storage refuses the HEAD, so the answer is the scan problem (%s)',
      async (tag, scan, _status, code) => {
        tagged(harness(), tag);
        headRefused(harness());
        const request = properties({ level: 'private', key: 'docs/report.pdf' });
        const response = await harness().call(request);
        expect(response.statusCode, response.body).toBe(409);
        expectContract(request, response);
        expect(parse(response)).toMatchObject({ code, scan });
        expect(response.headers?.['Retry-After']).toBe(
          code === 'scan_pending' ? String(SCAN_RETRY_AFTER_SECONDS) : undefined,
        );
      },
    );

    test('a missing object is still 404', async () => {
      harness().aws.s3.on(GetObjectTaggingCommand).rejects(awsError('NoSuchKey', 404));
      harness().aws.s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
      const response = await harness().call(properties({ level: 'private', key: 'gone.pdf' }));
      expect(response.statusCode).toBe(404);
    });
  });

  describe('GET /files', () => {
    const objects = [
      { Key: `private/${alice.identityId}/a.pdf`, Size: 1, ETag: '"a"', LastModified: modified },
      { Key: `private/${alice.identityId}/b.pdf`, Size: 2, ETag: '"b"', LastModified: modified },
      { Key: `private/${alice.identityId}/gone.pdf`, Size: 3, ETag: '"c"', LastModified: modified },
    ];

    test('scan=true: each listed file with its status, one tag read each; one deleted since has none', async () => {
      harness().aws.s3.on(ListObjectsV2Command).resolves({ Contents: objects });
      harness()
        .aws.s3.on(GetObjectTaggingCommand, { Key: objects[0]?.Key })
        .resolves({ TagSet: [{ Key: SCAN_TAG, Value: 'NO_THREATS_FOUND' }] })
        .on(GetObjectTaggingCommand, { Key: objects[1]?.Key })
        .resolves({ TagSet: [] })
        .on(GetObjectTaggingCommand, { Key: objects[2]?.Key })
        .rejects(awsError('NoSuchKey', 404));
      const request = listing({ level: 'private', scan: 'true' });
      const response = await harness().call(request);
      expect(response.statusCode, response.body).toBe(200);
      expectContract(request, response);
      const items = parse(response).items as Array<Record<string, unknown>>;
      expect(items.map((item) => [item.key, item.scan])).toEqual([
        ['a.pdf', 'clean'],
        ['b.pdf', 'pending'],
        ['gone.pdf', undefined],
      ]);
      expect(tagReads(harness())).toHaveLength(3);
    });

    test('by default: no tag read and no status', async () => {
      harness().aws.s3.on(ListObjectsV2Command).resolves({ Contents: objects });
      const response = await harness().call(listing({ level: 'private' }));
      expect((parse(response).items as Array<Record<string, unknown>>).some((item) => 'scan' in item)).toBe(
        false,
      );
      expect(tagReads(harness())).toEqual([]);
    });

    test('a folder outside the scanned prefixes reads no tag, even with scan=true', async () => {
      harness()
        .aws.s3.on(ListObjectsV2Command)
        .resolves({
          Contents: [{ Key: `protected/${alice.identityId}/a`, Size: 1, LastModified: modified }],
        });
      const response = await harness().call(listing({ level: 'protected', scan: 'true' }));
      expect(response.statusCode).toBe(200);
      expect(tagReads(harness())).toEqual([]);
    });

    test('scan must be true or false', async () => {
      const request = listing({ level: 'private', scan: 'yes' });
      expectBadRequest(request, await harness().call(request), 'scan');
      expect(harness().storageCalls()).toBe(0);
    });
  });

  describe('copies are new objects', () => {
    test('POST /files/copies copies no tags and answers the copy pending', async () => {
      tagged(harness(), 'NO_THREATS_FOUND');
      headAnswers(harness());
      harness()
        .aws.s3.on(CopyObjectCommand)
        .resolves({ CopyObjectResult: { ETag: '"new"', LastModified: modified } });
      const request: EventInput = {
        method: 'POST',
        path: '/files/copies',
        body: {
          from: { level: 'private', key: 'docs/report.pdf' },
          to: { level: 'public', key: 'report.pdf' },
        },
      };
      const response = await harness().call(request);
      expect(response.statusCode, response.body).toBe(201);
      expectContract(request, response);
      expect(parse(response).scan).toBe('pending');
      expect(harness().aws.s3.commandCalls(CopyObjectCommand)[0]?.args[0].input.TaggingDirective).toBe(
        'REPLACE',
      );
    });

    test('a source not scanned yet is the scan problem, not a 403, and nothing is copied', async () => {
      tagged(harness(), undefined);
      headRefused(harness());
      const request: EventInput = {
        method: 'POST',
        path: '/files/copies',
        body: {
          from: { level: 'private', key: 'docs/report.pdf' },
          to: { level: 'private', key: 'copy.pdf' },
        },
      };
      const response = await harness().call(request);
      expect(response.statusCode, response.body).toBe(409);
      expectContract(request, response);
      expect(parse(response)).toMatchObject({ code: 'scan_pending', scan: 'pending' });
      expect(harness().aws.s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    });
  });

  test('GET /me tells clients what is scanned', async () => {
    const request: EventInput = { method: 'GET', path: '/me' };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response).malwareScanning).toEqual(SCANNING);
  });
});

describe('with malware scanning, new objects are held until scanned', () => {
  const harness = useHarness({ config: scanConfig(SCANNING, { MAX_UPLOAD_BYTES: String(64 * MIB) }) });
  const upload = { level: 'private', key: 'docs/report.pdf', contentType: 'application/pdf' } as const;

  test('a completed multipart upload is described from its completion, pending, with no HEAD', async () => {
    const size = 20 * MIB + 5;
    harness()
      .aws.s3.on(ListPartsCommand)
      .resolves({
        Parts: [8 * MIB, 8 * MIB, 4 * MIB + 5].map((Size, index) => ({
          PartNumber: index + 1,
          Size,
          ETag: `"p${index + 1}"`,
        })),
      });
    harness().aws.s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"whole-3"' });
    headRefused(harness());
    const handle = encodeHandle({ ...upload, size, overwrite: true, uploadId: 'mpu-1' });
    const request: EventInput = {
      method: 'POST',
      path: '/files/multipart/complete',
      body: { upload: handle },
    };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response)).toEqual({
      level: 'private',
      owner: alice.identityId,
      key: 'docs/report.pdf',
      size,
      contentType: 'application/pdf',
      etag: '"whole-3"',
      lastModified: new Date(harness().clock.now()).toISOString(),
      scan: 'pending',
    });
    expect(harness().aws.s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  test('a key held by its scan is taken: overwrite false is 409 conflict, not 403', async () => {
    headRefused(harness());
    harness().aws.s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'mpu-2' });
    for (const [path, size] of [
      ['/files/uploads', 3],
      ['/files/multipart', 6 * MIB],
    ] as const) {
      const request: EventInput = {
        method: 'POST',
        path,
        body: { ...upload, size, overwrite: false },
      };
      const response = await harness().call(request);
      expect(response.statusCode, `${path}: ${response.body}`).toBe(409);
      expectContract(request, response);
      expect(parse(response).code).toBe('conflict');
    }
    expect(harness().aws.s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });
});

describe('with unscannable files served', () => {
  const harness = useHarness({ config: scanConfig({ ...SCANNING, onUnsupported: 'serve' }) });

  test('an unsupported object is signed, reported unsupported', async () => {
    tagged(harness(), 'UNSUPPORTED');
    const response = await harness().call(download({ level: 'private', key: 'docs/report.pdf' }));
    expect(response.statusCode, response.body).toBe(201);
    expect(parse(response).scan).toBe('unsupported');
  });
});

describe('without malware scanning', () => {
  const harness = useHarness();

  test('no route reads a tag, and no answer carries a scan status', async () => {
    headAnswers(harness());
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: `private/${alice.identityId}/a`, Size: 1, LastModified: modified }] });
    const answers = await Promise.all([
      harness().call(download({ level: 'private', key: 'docs/report.pdf' })),
      harness().call(download({ level: 'private', key: 'docs/report.pdf', inline: true })),
      harness().call(properties({ level: 'private', key: 'docs/report.pdf' })),
      harness().call(listing({ level: 'private', scan: 'true' })),
      harness().call({ method: 'GET', path: '/me' }),
    ]);
    for (const response of answers) {
      expect(response.statusCode, response.body).toBeLessThan(300);
      expect(response.body).not.toMatch(/"scan"|malwareScanning/);
    }
    expect(tagReads(harness())).toEqual([]);
  });
});

describe('a permanent link with malware scanning', () => {
  const harness = useHarness({
    config: scanConfig(SCANNING, { UNAUTHENTICATED_ROLE_ARN: GUEST_ROLE_ARN }),
  });
  const link = `/public/${bob.identityId}/cat.png`;
  const guestEvent = (): APIGatewayProxyEvent => ({
    ...event({ method: 'GET', path: link, user: null }),
    resource: '/public/{owner}/{key+}',
    pathParameters: { owner: bob.identityId, key: 'cat.png' },
  });

  test('a clean file: 302, the tag read with the guest session', async () => {
    tagged(harness(), 'NO_THREATS_FOUND');
    headAnswers(harness());
    const response = await harness().app.call(guestEvent());
    expect(response.statusCode, response.body).toBe(302);
    expect(tagReads(harness())).toEqual([
      { Bucket: 'user-files-test', Key: `public/${bob.identityId}/cat.png` },
    ]);
    const credentials = await harness()
      .aws.s3.commandCalls(GetObjectTaggingCommand)[0]
      ?.thisValue.config.credentials();
    expect(credentials?.accessKeyId).toBe('ASIAGUESTKEY');
  });

  test('not scanned yet: 409 scan_pending with Retry-After', async () => {
    tagged(harness(), undefined);
    headRefused(harness());
    const response = await harness().app.call(guestEvent());
    expect(response.statusCode, response.body).toBe(409);
    expectContract({ method: 'GET', path: link }, response);
    expect(response.headers?.['Retry-After']).toBe(String(SCAN_RETRY_AFTER_SECONDS));
    expect(parse(response).code).toBe('scan_pending');
  });

  test.each(['THREATS_FOUND', 'FAILED', 'UNSUPPORTED'])(
    'held for good (%s): the same 404 as a missing file, telling nothing of the scan',
    async (tag) => {
      tagged(harness(), tag);
      headRefused(harness());
      const response = await harness().app.call(guestEvent());
      expect(response.statusCode, response.body).toBe(404);
      expect(parse(response)).toMatchObject({ code: 'not_found', detail: 'no such public file' });
      expect(response.body).not.toContain('scan');
    },
  );
});
