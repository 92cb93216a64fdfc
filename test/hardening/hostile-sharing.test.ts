/**
 * Hostile input, property-based (fast-check), over the copy, batch-download and delete-all routes
 * and the `shared` level: never a 5xx, a 400 names a field, and every S3 call and presigned URL stays
 * where the caller may go. Copies read only a folder the source names (the caller's own, a named
 * owner's protected/public folder, a share by or with the caller), write only the caller's own
 * `{level}/{identityId}/`, and delete (move) only the caller's own source; batches sign only each
 * item's own folder; delete-all lists only the caller's four prefixes and deletes only what those
 * listings returned under them, even when storage returns foreign keys.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import {
  alice,
  awsError,
  bob,
  clock,
  event,
  expectContract,
  mockAws,
  parse,
  testApp,
} from '../unit/support/fixtures';
import {
  anyJsonValue,
  fields,
  hostileKey,
  hostileString,
  mostly,
  owner,
  strangeValidKey,
} from './support/hostile';

const RUNS = 300;
/** Fixed: the coverage checks after each property must not depend on a lucky draw. */
const COVERAGE_SEED = 20_261_201;
const LEVELS4 = ['private', 'protected', 'public', 'shared'] as const;
const IDENTITY_ID =
  /^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Independent of the code under test: a segment shaped like an identity ID, any case.
const IDENTITY_SEGMENT = /(^|\/)[a-z0-9-]+:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}(\/|$)/i;
const modified = new Date(Date.UTC(2026, 0, 2));
const BUCKET = 'user-files-test';

const anyLevel = mostly(
  fc.constantFrom(...LEVELS4),
  fc.constantFrom('Shared', 'shared/', 'shared ', '*', 'all', ''),
);
const ownLevel = mostly(
  fc.constantFrom('private', 'protected', 'public'),
  fc.constantFrom('shared', 'Private', 'public/../private', ''),
);
const key = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(strangeValidKey, fc.constantFrom('report.pdf', 'a/b.txt', 'é/ü.txt')) },
  { weight: 3, arbitrary: hostileKey },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `${bob.identityId}/x`,
      `a/${alice.identityId}`,
      `a/${bob.identityId.toUpperCase()}/b`,
    ),
  },
);
const ref = fields({ level: anyLevel, key, owner, grantee: owner }, ['owner', 'grantee']);

const testClock = clock();
let aws: ReturnType<typeof mockAws>;
let app: ReturnType<typeof testApp>;
let presignGet: MockInstance;

beforeAll(() => {
  aws = mockAws({ users: [alice, bob], clock: testClock });
  aws.s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (input.Key.length % 5 === 0) throw awsError('NotFound', 404);
    return {
      ContentLength: input.Key.length,
      ETag: '"e"',
      LastModified: modified,
      ContentType: 'text/plain',
    };
  });
  aws.s3.on(CopyObjectCommand).callsFake((input: { Key: string }) => {
    if (input.Key.length % 7 === 0) throw awsError('PreconditionFailed', 412);
    return { CopyObjectResult: { ETag: '"c"', LastModified: modified } };
  });
  aws.s3.on(DeleteObjectCommand).resolves({});
  aws.s3.on(DeleteObjectsCommand).resolves({});
  // A listing that also returns keys outside the prefix (a hostile or broken storage): never deleted.
  aws.s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
    Contents: [
      { Key: `${input.Prefix}a.txt`, Size: 1, LastModified: modified, ETag: '"e"' },
      { Key: `private/${bob.identityId}/theirs.txt`, Size: 1, LastModified: modified, ETag: '"e"' },
      { Key: `${input.Prefix.slice(0, -1)}x/escape`, Size: 1, LastModified: modified, ETag: '"e"' },
    ],
    IsTruncated: false,
  }));
  app = testApp({ now: testClock.now });
  presignGet = vi.spyOn(app.deps.storage, 'presignGet');
});

afterAll(() => {
  aws.cognito.restore();
  aws.s3.restore();
});

async function send(method: string, path: string, body: unknown): Promise<APIGatewayProxyResult> {
  aws.s3.resetHistory();
  presignGet.mockClear();
  return app.call(event({ method, path, body }));
}

/** The folders a reference may read from, from what the caller sent (empty: nothing may be read). */
function readableFolders(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const { level, owner: named, grantee } = input as Record<string, unknown>;
  const valid = (value: unknown): value is string => typeof value === 'string' && IDENTITY_ID.test(value);
  if (level === 'shared') {
    const folders: string[] = [];
    if (valid(grantee) && grantee !== alice.identityId)
      folders.push(`shared/${alice.identityId}/${grantee}/`);
    if (valid(named) && named !== alice.identityId) folders.push(`shared/${named}/${alice.identityId}/`);
    return folders;
  }
  if (!['private', 'protected', 'public'].includes(level as string)) return [];
  const folders = [`${level}/${alice.identityId}/`];
  if (level !== 'private' && valid(named)) folders.push(`${level}/${named}/`);
  return folders;
}

function expectInside(fullKey: string, folders: readonly string[], relative: unknown): void {
  const folder = folders.find((candidate) => fullKey.startsWith(candidate));
  expect(folder, `${JSON.stringify(fullKey)} outside ${JSON.stringify(folders)}`).toBeDefined();
  const remainder = fullKey.slice(folder?.length ?? 0);
  expect(remainder).toBe(relative);
  if (folder?.startsWith('shared/')) expect(remainder).not.toMatch(IDENTITY_SEGMENT);
  expect(Buffer.byteLength(fullKey)).toBeLessThanOrEqual(1024);
}

function expectProblemOrSuccess(
  method: string,
  path: string,
  response: APIGatewayProxyResult,
  sent: unknown,
) {
  expect([200, 201, 202, 204, 400, 404, 409, 413], response.body).toContain(response.statusCode);
  expectContract({ method, path }, response);
  if (response.statusCode === 400) {
    // The field is one the route has or one the caller sent, at the top or inside `from`/`to`.
    const field = String(parse(response).field);
    const keysOf = (value: unknown) =>
      typeof value === 'object' && value !== null ? Object.keys(value) : [];
    const names = new Set([
      ...['body', 'from', 'to', 'overwrite', 'move', 'items', 'level', 'key', 'owner', 'grantee'],
      ...['contentType', 'size'],
      ...keysOf(sent),
    ]);
    const nested = ['from', 'to'].find((part) => field.startsWith(`${part}.`));
    const inner = nested === undefined ? undefined : field.slice(nested.length + 1);
    const nestedNames = new Set([
      ...names,
      ...keysOf((sent as Record<string, unknown> | null)?.[nested ?? '']),
    ]);
    expect(inner === undefined ? names.has(field) : nestedNames.has(inner), `field ${field}`).toBe(true);
  }
}

const copyBody = fields(
  {
    from: fc.oneof({ weight: 6, arbitrary: ref }, { weight: 1, arbitrary: anyJsonValue }),
    to: fc.oneof(
      { weight: 6, arbitrary: fields({ level: ownLevel, key }, []) },
      { weight: 1, arbitrary: anyJsonValue },
    ),
    overwrite: fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyJsonValue }),
    move: fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyJsonValue }),
  },
  ['overwrite', 'move'],
);

describe('hostile input to the sharing-era routes: never 5xx, nothing outside the allowed folders', () => {
  it('POST /files/copies', async () => {
    let copied = 0;
    await fc.assert(
      fc.asyncProperty(copyBody, async (body) => {
        const response = await send('POST', '/files/copies', body);
        expectProblemOrSuccess('POST', '/files/copies', response, body);
        const from = (body as { from?: unknown }).from;
        const to = (body as { to?: Record<string, unknown> }).to;
        const sources = readableFolders(from);
        const sourceKey = (from as { key?: unknown } | undefined)?.key;
        for (const call of aws.s3.calls()) {
          const input = (call.args[0] as unknown as { input: Record<string, unknown> }).input;
          const command = call.args[0]?.constructor.name;
          if (command === 'HeadObjectCommand') expectInside(String(input.Key), sources, sourceKey);
          else if (command === 'CopyObjectCommand') {
            expect(['private', 'protected', 'public']).toContain(to?.level);
            expectInside(String(input.Key), [`${to?.level}/${alice.identityId}/`], to?.key);
            const source = decodeURIComponent(String(input.CopySource).slice(BUCKET.length + 1));
            expectInside(source, sources, sourceKey);
            expect(input.CopySourceIfMatch).toBe('"e"');
          } else if (command === 'DeleteObjectCommand') {
            // Only a move, only after the copy, only the caller's own source.
            expect((body as { move?: unknown }).move).toBe(true);
            expect(String(input.Key)).toMatch(
              new RegExp(`^(private|protected|public|shared)/${alice.identityId}/`),
            );
            expectInside(String(input.Key), sources, sourceKey);
          } else throw new Error(`unexpected ${command}`);
        }
        if (response.statusCode === 201) copied += 1;
      }),
      { numRuns: RUNS, seed: COVERAGE_SEED },
    );
    expect(copied).toBeGreaterThan(RUNS / 40);
  });

  it('POST /files/downloads/batch', async () => {
    const item = fields(
      {
        level: anyLevel,
        key,
        owner,
        grantee: owner,
        expiresIn: fc.oneof(fc.integer({ min: -10, max: 5000 }), anyJsonValue),
        filename: fc.oneof(hostileString, fc.constantFrom('a.pdf', '"; x=y')),
        inline: fc.oneof(fc.boolean(), anyJsonValue),
      },
      ['owner', 'grantee', 'expiresIn', 'filename', 'inline'],
    );
    const items = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.array(
          fc.oneof({ weight: 6, arbitrary: item }, { weight: 1, arbitrary: anyJsonValue }),
          { minLength: 1, maxLength: 12 },
        ),
      },
      { weight: 1, arbitrary: anyJsonValue },
      {
        weight: 1,
        arbitrary: fc.array(fc.constant({ level: 'private', key: 'a' }), { minLength: 101, maxLength: 103 }),
      },
    );
    let signed = 0;
    await fc.assert(
      fc.asyncProperty(fields({ items }, []), async (body) => {
        const response = await send('POST', '/files/downloads/batch', body);
        expectProblemOrSuccess('POST', '/files/downloads/batch', response, body);
        const sent = (body as { items?: unknown }).items;
        if (response.statusCode !== 200) {
          expect(presignGet).not.toHaveBeenCalled();
          return;
        }
        const results = parse(response).items as Array<{
          status: number;
          download?: { url: string; key: string };
        }>;
        expect(Array.isArray(sent)).toBe(true);
        expect(results).toHaveLength((sent as unknown[]).length);
        const allowed = (sent as unknown[]).flatMap(readableFolders);
        for (const call of presignGet.mock.calls) {
          const fullKey = (call[1] as { key: string }).key;
          expect(
            allowed.some((folder) => fullKey.startsWith(folder)),
            fullKey,
          ).toBe(true);
        }
        results.forEach((result, index) => {
          const request = (sent as unknown[])[index];
          if (result.status !== 201) return;
          signed += 1;
          const url = new URL(result.download?.url ?? '');
          const fullKey = decodeURIComponent(url.pathname).replace(new RegExp(`^/(${BUCKET}/)?`), '');
          expectInside(fullKey, readableFolders(request), (request as { key?: unknown }).key);
          expect(url.searchParams.get('response-content-disposition')).toMatch(/^(attachment|inline)/);
        });
        for (const call of aws.s3.calls()) {
          const fullKey = String((call.args[0] as { input: { Key?: string } }).input.Key);
          expect(
            allowed.some((folder) => fullKey.startsWith(folder)),
            fullKey,
          ).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: COVERAGE_SEED },
    );
    expect(signed).toBeGreaterThan(RUNS / 10);
  });

  it('DELETE /me/data', async () => {
    const own = ['private', 'protected', 'public', 'shared'].map((level) => `${level}/${alice.identityId}/`);
    await fc.assert(
      fc.asyncProperty(
        fc.option(
          fc.dictionary(fc.oneof(hostileString, fc.constantFrom('level', 'prefix', 'all')), hostileString, {
            maxKeys: 2,
          }),
          { nil: undefined },
        ),
        fc.option(anyJsonValue, { nil: undefined }),
        async (query, body) => {
          aws.s3.resetHistory();
          const response = await app.call(
            event({ method: 'DELETE', path: '/me/data', ...(query ? { query } : {}), body }),
          );
          expectProblemOrSuccess('DELETE', '/me/data', response, query ?? {});
          for (const call of aws.s3.calls()) {
            const input = (call.args[0] as unknown as { input: Record<string, unknown> }).input;
            if (input.Prefix !== undefined) expect(own).toContain(input.Prefix);
            const objects = (input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? [];
            for (const object of objects)
              expect(
                own.some((prefix) => object.Key?.startsWith(prefix)),
                object.Key,
              ).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
