/**
 * Hostile multipart input, property-based (fast-check): forged, truncated and edited `upload`
 * handles (other levels, keys with `..`, other owners' folders, sizes past the rules, upload IDs
 * with query syntax), hostile part lists and checksums, over every multipart route. Whatever comes
 * in, the handler never answers 5xx, a 400 names a field the caller sent, and every S3 call and
 * every presigned part URL stays in the caller's own `{level}/{identityId}/` folder, at the key
 * and upload ID the handle names, signed for exactly the part's planned length.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import type { APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { loadConfig } from '../../lambdas/api/config';
import { encodeHandle, MIB, partBytes, planParts } from '../../shared/domain/multipart';
import {
  alice,
  awsError,
  bob,
  clock,
  credentialsFor,
  ENV,
  event,
  expectContract,
  mockAws,
  parse,
  testApp,
} from '../unit/support/fixtures';
import {
  anyJsonValue,
  authorizationHeaders,
  contentType,
  hostileKey,
  hostileString,
  LEVEL_VALUES,
  level,
  rawBody,
  sha256,
  strangeValidKey,
} from './support/hostile';

/** Chosen once; any seed whose runs reach every status the checks below name will do. */
const COVERAGE_SEED = 20_261_201;
const RUNS = 400;
const MAX_BYTES = 256 * MIB;
const config = loadConfig({
  ...ENV,
  MAX_UPLOAD_BYTES: String(MAX_BYTES),
  UPLOAD_RULES: JSON.stringify({ public: { maxUploadBytes: 32 * MIB, allowedContentTypes: ['video/*'] } }),
});
const UPLOAD_ID = 'mpu-fixed.1';

const testClock = clock();
let aws: ReturnType<typeof mockAws>;
let app: ReturnType<typeof testApp>;
let presignPart: MockInstance;

beforeAll(() => {
  aws = mockAws({ users: [alice, bob], clock: testClock });
  aws.s3.on(CreateMultipartUploadCommand).resolves({ UploadId: UPLOAD_ID });
  aws.s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (input.Key.length % 2 === 0) throw awsError('NotFound', 404);
    return { ContentLength: 3, ETag: '"e"', LastModified: new Date(), ContentType: 'video/mp4' };
  });
  // Upload IDs storage does not know are refused as S3 does; known ones hold parts 1 and 2.
  aws.s3.on(ListPartsCommand).callsFake((input: { UploadId: string }) => {
    if (input.UploadId.length % 3 === 0) throw awsError('NoSuchUpload', 404);
    return {
      Parts: [
        { PartNumber: 1, Size: 8 * MIB, ETag: '"1"' },
        { PartNumber: 2, Size: 8 * MIB, ETag: '"2"' },
      ],
    };
  });
  aws.s3.on(CompleteMultipartUploadCommand).resolves({});
  aws.s3.on(AbortMultipartUploadCommand).resolves({});
  app = testApp({ now: testClock.now, config });
  presignPart = vi.spyOn(app.deps.storage, 'presignUploadPart');
});

afterAll(() => {
  aws.cognito.restore();
  aws.s3.restore();
});

interface HandleFields {
  readonly l: unknown;
  readonly k: unknown;
  readonly s: unknown;
  readonly t: unknown;
  readonly o: unknown;
  readonly u: unknown;
}

/** Handles of every kind: well-formed with hostile fields, forged JSON, and plain garbage. */
const uploadId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(UPLOAD_ID, 'abc', 'x.y_z-~', 'QUJD+/=') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('a&partNumber=9', 'a b', '../x', 'a?b', `${'u'.repeat(1100)}`, ''),
  },
  { weight: 1, arbitrary: hostileString },
);
const handleFields: fc.Arbitrary<HandleFields> = fc.record({
  l: level,
  k: fc.oneof(
    strangeValidKey,
    hostileKey,
    fc.constantFrom(`../${bob.identityId}/x`, `../../private/${bob.identityId}/x`, 'videos/a.mp4'),
  ),
  s: fc.oneof(
    fc.integer({ min: 1, max: MAX_BYTES }),
    fc.constantFrom(0, -1, 1.5, MAX_BYTES + 1, 5 * 1024 ** 4, 5 * 1024 ** 4 + 1, 2 ** 60),
    anyJsonValue,
  ),
  t: fc.oneof(contentType, fc.constant('video/mp4')),
  o: fc.oneof(fc.boolean(), anyJsonValue),
  u: uploadId,
});
const wire = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'undefined').toString('base64url');
/** Handles as the API issues them, for any caller-valid upload: these must yield only safe URLs. */
const issuedFields: fc.Arbitrary<HandleFields> = fc.record({
  l: fc.constantFrom(...LEVEL_VALUES),
  k: strangeValidKey,
  s: fc.integer({ min: 1, max: 32 * MIB }),
  t: fc.constant('video/mp4'),
  o: fc.boolean(),
  u: fc.constantFrom(UPLOAD_ID, 'abc', 'abc.d', 'x.y_z-~', 'QUJD+/='),
});
const handle: fc.Arbitrary<{ text: unknown; fields?: HandleFields }> = fc.oneof(
  { weight: 6, arbitrary: issuedFields.map((fields) => ({ text: wire({ v: 1, ...fields }), fields })) },
  { weight: 6, arbitrary: handleFields.map((fields) => ({ text: wire({ v: 1, ...fields }), fields })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(handleFields, anyJsonValue)
      .map(([fields, v]) => ({ text: wire({ v, ...fields, extra: 1 }) })),
  },
  {
    weight: 1,
    arbitrary: handleFields.map((fields) => ({ text: `${wire({ v: 1, ...fields })}`.slice(0, -3) })),
  },
  { weight: 1, arbitrary: hostileString.map((text) => ({ text })) },
  { weight: 1, arbitrary: anyJsonValue.map((text) => ({ text })) },
  {
    weight: 1,
    arbitrary: fc.constant({
      text: encodeHandle({
        level: 'private',
        key: 'videos/a.mp4',
        size: 20 * MIB,
        contentType: 'video/mp4',
        overwrite: false,
        uploadId: UPLOAD_ID,
      }),
      fields: { l: 'private', k: 'videos/a.mp4', s: 20 * MIB, t: 'video/mp4', o: false, u: UPLOAD_ID },
    }),
  },
);
const partList = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.uniqueArray(
      fc.record({ number: fc.integer({ min: 1, max: 4 }), sha256 }, { requiredKeys: ['number'] }),
      { minLength: 1, maxLength: 4, selector: (part) => part.number },
    ),
  },
  {
    weight: 6,
    arbitrary: fc.array(
      fc.record(
        {
          number: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(0, -1, 1.5, 10_001, 2 ** 40)),
          sha256,
        },
        { requiredKeys: ['number'] },
      ),
      { maxLength: 8 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 99, max: 102 })
      .map((n) => Array.from({ length: n }, (_, i) => ({ number: i + 1 }))),
  },
  { weight: 1, arbitrary: anyJsonValue },
);

const ROUTES = [
  '/files/multipart/parts',
  '/files/multipart/progress',
  '/files/multipart/complete',
  '/files/multipart/abort',
];

/** The full key a decodable handle may reach: the caller's folder plus the handle's key. */
function expectedKey(fields: HandleFields | undefined): string | undefined {
  if (fields === undefined || !LEVEL_VALUES.includes(fields.l as never) || typeof fields.k !== 'string')
    return undefined;
  return `${fields.l}/${alice.identityId}/${fields.k}`;
}

async function send(path: string, body: unknown, headers: Record<string, string>) {
  aws.s3.resetHistory();
  presignPart.mockClear();
  const base = event({ method: 'POST', path, headers });
  return app.call({ ...base, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function expectSafe(
  path: string,
  response: APIGatewayProxyResult,
  inputs: Record<string, unknown> | undefined,
  fields: HandleFields | undefined,
): void {
  expect([200, 201, 204, 400, 401, 404, 409, 413], response.body).toContain(response.statusCode);
  expectContract({ method: 'POST', path }, response);
  if (response.statusCode >= 400) {
    expect(response.body).not.toContain('X-Amz-Signature');
    const problem = parse(response);
    if (response.statusCode === 400) {
      const top = String(problem.field).split('.')[0];
      expect([
        'upload',
        'parts',
        'body',
        'level',
        'key',
        'contentType',
        'size',
        'overwrite',
        ...Object.keys(inputs ?? {}),
      ]).toContain(top);
    }
  }
  // Every S3 call and every presigned part addresses the caller's own folder, at the handle's key.
  const allowed = expectedKey(fields);
  const reached = [
    ...aws.s3.calls().map((call) => (call.args[0] as { input: { Key?: string; UploadId?: string } }).input),
    ...presignPart.mock.calls
      .map((call) => call[1] as { key: string; uploadId: string })
      .map((p) => ({ Key: p.key, UploadId: p.uploadId })),
  ];
  for (const input of reached) {
    expect(input.Key, JSON.stringify(fields)).toBeDefined();
    if (path === '/files/multipart') continue;
    expect(input.Key).toBe(allowed);
    if (input.UploadId !== undefined) expect(input.UploadId).toBe(fields?.u);
  }
  if (response.statusCode === 201 && path === '/files/multipart/parts') {
    const size = fields?.s as number;
    const plan = planParts(size);
    const signed = parse(response).parts as Array<{
      number: number;
      size: number;
      url: string;
      headers: Record<string, string>;
    }>;
    expect(signed.length).toBe((inputs?.parts as unknown[] | undefined)?.length);
    for (const part of signed) {
      expect(part.size).toBe(partBytes(plan, part.number));
      expect(part.headers['Content-Length']).toBe(String(part.size));
      const url = new URL(part.url);
      expect(decodeURIComponent(url.pathname)).toBe(`/${allowed}`);
      expect(url.searchParams.get('uploadId')).toBe(fields?.u);
      expect(url.searchParams.get('partNumber')).toBe(String(part.number));
      expect(url.searchParams.get('X-Amz-Credential')?.split('/')[0]).toBe(
        credentialsFor(alice, new Date()).AccessKeyId,
      );
      expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('content-length');
    }
  } else {
    expect(presignPart).not.toHaveBeenCalled();
  }
}

describe('hostile multipart input never yields a 5xx or a URL outside the caller folder', () => {
  it.each(ROUTES)('%s with hostile handles and part lists', async (path) => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        handle,
        partList,
        authorizationHeaders(alice.token),
        fc.nat(20),
        async (h, parts, headers, dice) => {
          const inputs: Record<string, unknown> =
            path === '/files/multipart/parts' ? { upload: h.text, parts } : { upload: h.text };
          if (dice === 0) inputs.owner = bob.identityId;
          const response = await send(path, inputs, headers);
          statuses.add(response.statusCode);
          expectSafe(path, response, inputs, h.fields);
        },
      ),
      // A fixed seed: the coverage checks below must not depend on a lucky draw.
      { numRuns: RUNS, seed: COVERAGE_SEED },
    );
    // The runs reached both refusals and the route's success, not only early rejections.
    expect([...statuses]).toEqual(expect.arrayContaining([400, 401]));
    const success: Record<string, number> = {
      '/files/multipart/parts': 201,
      '/files/multipart/progress': 200,
      '/files/multipart/abort': 204,
    };
    const expected = success[path];
    if (expected !== undefined) expect(statuses).toContain(expected);
    if (path !== '/files/multipart/abort') expect(statuses).toContain(404);
  });

  it('POST /files/multipart with hostile fields and raw bodies', async () => {
    const fieldsOf = fc.record(
      {
        level,
        key: hostileKey,
        contentType,
        size: fc.oneof(fc.integer({ min: 0, max: MAX_BYTES + 10 }), anyJsonValue),
        overwrite: fc.oneof(fc.boolean(), anyJsonValue),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 8, arbitrary: fieldsOf.map((inputs) => ({ inputs, body: JSON.stringify(inputs) })) },
          { weight: 1, arbitrary: rawBody.map((raw) => ({ inputs: undefined, body: raw.body })) },
        ),
        async ({ inputs, body }) => {
          const response = await send('/files/multipart', body ?? '', {
            Authorization: `Bearer ${alice.token}`,
          });
          expectSafe('/files/multipart', response, inputs, undefined);
          for (const call of aws.s3.calls()) {
            const key = (call.args[0] as { input: { Key?: string } }).input.Key;
            expect(key).toBe(`${inputs?.level}/${alice.identityId}/${inputs?.key}`);
          }
          if (response.statusCode === 201) {
            const started = parse(response);
            expect(started.owner).toBe(alice.identityId);
            expect(started.partCount).toBeLessThanOrEqual(10_000);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
