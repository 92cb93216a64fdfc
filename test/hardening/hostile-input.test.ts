/**
 * Hostile input, property-based (fast-check), over every route: keys, levels, owners, sizes,
 * content types, checksums, cursors, bodies and Authorization headers of every odd kind. Whatever
 * comes in, the handler never answers 5xx, every 4xx is a problem document (a 400 names a field the
 * caller sent or the route has), and every S3 call and every presigned URL stays inside a folder the
 * caller may use: their own `{level}/{identityId}/` for writes, their own or the named owner's
 * protected/public folder for reads. The AWS clients are aws-sdk-client-mock'ed; every command and
 * every presign is captured.
 */
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import {
  alice,
  awsError,
  bob,
  clock,
  credentialsFor,
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
  cursor,
  fields,
  hostileKey,
  hostileString,
  LEVEL_VALUES,
  level,
  mostly,
  owner,
  rawBody,
  sha256,
  size,
  strangeValidKey,
} from './support/hostile';

/** Runs per property: enough to meet every trick many times, few enough to stay quick. */
const RUNS = 500;

interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly fields: readonly string[];
  /** Fields the route does without. */
  readonly optional: readonly string[];
  /** Writes may only touch the caller's own folder; reads may name an owner. */
  readonly writes: boolean;
}

const ROUTES = {
  upload: {
    method: 'POST',
    path: '/files/uploads',
    fields: ['level', 'key', 'contentType', 'size', 'sha256', 'overwrite'],
    optional: ['sha256', 'overwrite'],
    writes: true,
  },
  download: {
    method: 'POST',
    path: '/files/downloads',
    fields: ['level', 'key', 'owner', 'expiresIn', 'filename', 'inline'],
    optional: ['owner', 'expiresIn', 'filename', 'inline'],
    writes: false,
  },
  list: {
    method: 'GET',
    path: '/files',
    fields: ['level', 'owner', 'prefix', 'delimiter', 'limit', 'cursor'],
    optional: ['owner', 'prefix', 'delimiter', 'limit', 'cursor'],
    writes: false,
  },
  properties: {
    method: 'GET',
    path: '/files/properties',
    fields: ['level', 'key', 'owner'],
    optional: ['owner'],
    writes: false,
  },
  delete: { method: 'DELETE', path: '/files', fields: ['level', 'key'], optional: [], writes: true },
  // No inputs at all: whatever query it gets is unknown.
  me: { method: 'GET', path: '/me', fields: [], optional: ['level', 'key'], writes: false },
} as const satisfies Record<string, Route>;

const IDENTITY_ID =
  /^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is about control characters.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\\]/u;
const modified = new Date(Date.UTC(2026, 0, 2));
/** What stored objects claim to be (owners choose it): passive, active, sniffed and malformed. */
const STORED_TYPES = [
  'text/plain',
  'image/png',
  'text/html',
  'TEXT/HTML; charset=utf-8',
  'image/svg+xml',
  'application/javascript',
  'application/xml',
  'application/atom+xml',
  'application/octet-stream',
  'unknown/unknown',
  'html',
  '',
  'text/plain\r\nX-Evil: 1',
];
// Independent of the code under test: what must never be served inline.
const ACTIVE = /html|xml|script|^$|^[^/]*$|octet-stream|unknown/i;

const testClock = clock();
let aws: ReturnType<typeof mockAws>;
let app: ReturnType<typeof testApp>;
let presignPut: MockInstance;
let presignGet: MockInstance;

beforeAll(() => {
  aws = mockAws({ users: [alice, bob], clock: testClock });
  // Half the keys exist (so overwrite:false meets both answers), chosen by the key itself.
  aws.s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (input.Key.length % 2 === 0) throw awsError('NotFound', 404);
    const pick = [...input.Key].reduce((sum, character) => sum + (character.codePointAt(0) ?? 0), 0);
    const type = STORED_TYPES[pick % STORED_TYPES.length];
    return { ContentLength: 3, ETag: '"e"', LastModified: modified, ContentType: type };
  });
  aws.s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; Delimiter?: string }) => ({
    Contents: [{ Key: `${input.Prefix}listed.txt`, Size: 1, LastModified: modified, ETag: '"e"' }],
    CommonPrefixes: input.Delimiter ? [{ Prefix: `${input.Prefix}sub/` }] : [],
    IsTruncated: true,
    NextContinuationToken: 'next-page',
  }));
  aws.s3.on(DeleteObjectCommand).resolves({});
  app = testApp({ now: testClock.now });
  presignPut = vi.spyOn(app.deps.storage, 'presignPut');
  presignGet = vi.spyOn(app.deps.storage, 'presignGet');
});

afterAll(() => {
  aws.cognito.restore();
  aws.sts.restore();
  aws.s3.restore();
});

interface Sent {
  readonly route: Route;
  /** The inputs as the caller sent them (body fields or query parameters); undefined if not an object. */
  readonly inputs: Record<string, unknown> | undefined;
  readonly event: APIGatewayProxyEvent;
}

/** Every S3 key or prefix the request reached: commands sent and URLs presigned. */
function touched(): { keys: string[]; prefixes: string[]; presigned: string[] } {
  const keys: string[] = [];
  const prefixes: string[] = [];
  for (const call of aws.s3.calls()) {
    const input = (call.args[0] as { input: { Key?: string; Prefix?: string } }).input;
    if (input.Key !== undefined) keys.push(input.Key);
    else if (input.Prefix !== undefined) prefixes.push(input.Prefix);
    else keys.push('(a command with neither Key nor Prefix)');
  }
  const presigned = [...presignPut.mock.calls, ...presignGet.mock.calls].map(
    (call) => (call[1] as { key: string }).key,
  );
  return { keys, prefixes, presigned };
}

/** The folders this request may reach, from what the caller sent. */
function allowedFolders(sent: Sent): string[] {
  const requested = sent.inputs?.level;
  if (!LEVEL_VALUES.includes(requested as never)) return [];
  const folders = [`${requested}/${alice.identityId}/`];
  const named = sent.inputs?.owner;
  if (!sent.route.writes && requested !== 'private' && typeof named === 'string' && IDENTITY_ID.test(named)) {
    folders.push(`${requested}/${named}/`);
  }
  return folders;
}

/** The key rules (docs/architecture.md), checked independently of the code under test. */
function expectSafeRemainder(remainder: string, isPrefix: boolean) {
  expect(remainder.isWellFormed()).toBe(true);
  expect(remainder.normalize('NFC')).toBe(remainder);
  expect(remainder).not.toMatch(FORBIDDEN);
  if (isPrefix && remainder === '') return;
  const segments = (isPrefix && remainder.endsWith('/') ? remainder.slice(0, -1) : remainder).split('/');
  for (const segment of segments) expect(['', '.', '..']).not.toContain(segment);
}

/** The object key a presigned URL addresses (virtual-hosted or path-style). */
function keyOfUrl(url: URL): string {
  const bucketPath = `/${app.deps.config.bucketName}/`;
  const path = url.hostname.startsWith(`${app.deps.config.bucketName}.`)
    ? url.pathname.slice(1)
    : url.pathname.startsWith(bucketPath)
      ? url.pathname.slice(bucketPath.length)
      : `(unexpected URL path ${url.pathname})`;
  return decodeURIComponent(path);
}

async function send(sent: Sent): Promise<APIGatewayProxyResult> {
  aws.s3.resetHistory();
  presignPut.mockClear();
  presignGet.mockClear();
  return app.call(sent.event);
}

function expectInvariants(sent: Sent, response: APIGatewayProxyResult): void {
  const { route, inputs } = sent;
  const request = { method: route.method, path: route.path };

  // Never a 5xx, and only statuses the contract knows for these routes.
  expect([200, 201, 204, 400, 401, 404, 409, 413], response.body).toContain(response.statusCode);
  expectContract(request, response);

  if (response.statusCode >= 400) {
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    const problem = parse(response);
    expect(response.body).not.toContain('X-Amz-Signature');
    if (response.statusCode === 413) expect(problem.field).toBe('size');
    if (response.statusCode === 400) {
      const named = new Set<string>([...route.fields, 'body', 'query', ...Object.keys(inputs ?? {})]);
      expect(typeof problem.field).toBe('string');
      expect(named, `field ${String(problem.field)}`).toContain(problem.field);
    }
  }

  // Every key and prefix reached is inside an allowed folder, and is exactly that folder plus
  // what the caller named.
  const folders = allowedFolders(sent);
  const { keys, prefixes, presigned } = touched();
  for (const key of [...keys, ...presigned]) {
    const folder = folders.find((candidate) => key.startsWith(candidate));
    expect(folder, `S3 key ${JSON.stringify(key)} outside ${JSON.stringify(folders)}`).toBeDefined();
    const remainder = key.slice(folder?.length ?? 0);
    expect(remainder).toBe(inputs?.key);
    expectSafeRemainder(remainder, false);
    expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024);
  }
  for (const prefix of prefixes) {
    const folder = folders.find((candidate) => prefix.startsWith(candidate));
    expect(folder, `S3 prefix ${JSON.stringify(prefix)} outside ${JSON.stringify(folders)}`).toBeDefined();
    const remainder = prefix.slice(folder?.length ?? 0);
    expect(remainder).toBe(inputs?.prefix ?? '');
    expectSafeRemainder(remainder, true);
  }
  if (route.writes) expect(presignGet).not.toHaveBeenCalled();

  // A presigned URL addresses exactly the key that was presigned, signed with the caller's own keys.
  if (response.statusCode === 201) {
    const url = new URL(String(parse(response).url));
    expect(presigned).toEqual([keyOfUrl(url)]);
    expect(url.searchParams.get('X-Amz-Credential')?.split('/')[0]).toBe(
      credentialsFor(alice, new Date()).AccessKeyId,
    );
    if (route.path === '/files/downloads') {
      // Inline only when asked for, and then only for a passive type, pinned as the response type.
      const disposition = url.searchParams.get('response-content-disposition') ?? '';
      const pinned = url.searchParams.get('response-content-type');
      if (disposition.startsWith('inline')) {
        expect(inputs?.inline).toBe(true);
        expect(pinned).not.toBeNull();
        expect(pinned ?? '').not.toMatch(ACTIVE);
      } else {
        expect(disposition).toMatch(/^attachment(;|$)/);
        expect(pinned).toBeNull();
      }
    }
  } else {
    expect(presigned).toEqual([]);
  }
}

/** A body for a POST route: the route's fields (hostile or not) as JSON, or raw hostile text. */
function bodyEvent(route: Route, shape: Record<string, fc.Arbitrary<unknown>>) {
  return fc
    .tuple(
      fc.oneof(
        {
          weight: 10,
          arbitrary: fields(shape, route.optional).map((inputs) => ({
            inputs,
            body: JSON.stringify(inputs) as string | null,
            isBase64Encoded: false,
          })),
        },
        {
          weight: 1,
          arbitrary: rawBody.map((raw) => ({ inputs: undefined, isBase64Encoded: false, ...raw })),
        },
      ),
      authorizationHeaders(alice.token),
    )
    .map(([{ inputs, body, isBase64Encoded }, headers]): Sent => {
      const base = event({ method: route.method, path: route.path, headers });
      return {
        route,
        inputs: inputsOf(body, isBase64Encoded) ?? inputs,
        event: { ...base, body, isBase64Encoded },
      };
    });
}

/** What a raw body parses to, when it is a JSON object (the handler sees exactly that). */
function inputsOf(body: string | null, base64: boolean | undefined): Record<string, unknown> | undefined {
  if (body == null) return undefined;
  try {
    const value: unknown = JSON.parse(base64 ? Buffer.from(body, 'base64').toString('utf8') : body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A query for a GET/DELETE route: hostile values as strings, parameters sometimes repeated. */
function queryEvent(route: Route, shape: Record<string, fc.Arbitrary<unknown>>) {
  return fc
    .tuple(
      fields(shape, route.optional),
      fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...route.fields, 'level'), hostileString) },
      ),
      authorizationHeaders(alice.token),
    )
    .map(([raw, repeated, headers]): Sent => {
      const query: Record<string, string> = {};
      for (const [name, value] of Object.entries(raw)) {
        query[name] = typeof value === 'string' ? value : JSON.stringify(value ?? null);
      }
      const multi: Record<string, string[]> = Object.fromEntries(
        Object.entries(query).map(([name, value]) => [name, [value]]),
      );
      if (repeated) {
        const [name, value] = repeated;
        multi[name] = [...(multi[name] ?? []), value];
        query[name] = value;
      }
      const base = event({ method: route.method, path: route.path, headers });
      return {
        route,
        inputs: query,
        event: {
          ...base,
          queryStringParameters: Object.keys(query).length ? query : null,
          multiValueQueryStringParameters: Object.keys(multi).length ? multi : null,
        },
      };
    });
}

/**
 * Runs the invariants over `arbitrary`. The generators lean valid, so a good share of the requests
 * get through validation to S3 and the signer: a run where almost nothing did proves little.
 */
const property = async (arbitrary: fc.Arbitrary<Sent>) => {
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (sent) => {
      const response = await send(sent);
      if (response.statusCode < 300) accepted += 1;
      expectInvariants(sent, response);
    }),
    { numRuns: RUNS },
  );
  expect(accepted).toBeGreaterThan(RUNS / 20);
};

describe('every route, hostile input: never 5xx, a field named, nothing outside the allowed folders', () => {
  it('POST /files/uploads', async () => {
    await property(
      bodyEvent(ROUTES.upload, {
        level,
        key: hostileKey,
        contentType,
        size,
        sha256,
        overwrite: fc.oneof(fc.boolean(), anyJsonValue),
      }),
    );
  });

  it('POST /files/downloads', async () => {
    await property(
      bodyEvent(ROUTES.download, {
        level,
        key: hostileKey,
        owner,
        expiresIn: fc.oneof(fc.integer({ min: -10, max: 5000 }), anyJsonValue),
        filename: fc.oneof(hostileString, fc.constantFrom('report.pdf', 'naïve café.txt', '..', '"; x=y')),
        inline: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyJsonValue }),
      }),
    );
  });

  it('GET /files', async () => {
    await property(
      queryEvent(ROUTES.list, {
        level,
        owner,
        prefix: mostly(
          fc.oneof(
            strangeValidKey,
            strangeValidKey.map((key) => `${key}/`),
          ),
          fc.oneof(hostileKey, fc.constantFrom('../', './', '/', '//')),
        ),
        delimiter: mostly(fc.constant('/'), hostileString),
        limit: mostly(
          fc.integer({ min: 1, max: 1000 }).map(String),
          fc.oneof(fc.integer({ min: -5, max: 2000 }).map(String), hostileString),
        ),
        cursor,
      }),
    );
  });

  it('GET /files/properties', async () => {
    await property(queryEvent(ROUTES.properties, { level, key: hostileKey, owner }));
  });

  it('DELETE /files', async () => {
    await property(queryEvent(ROUTES.delete, { level, key: hostileKey }));
  });

  it('GET /me', async () => {
    await property(queryEvent(ROUTES.me, { level, key: hostileKey }));
  });
});

describe('hostile routing', () => {
  it('any method on any path: never a 5xx, always a problem or a known answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'get', 'TRACE'),
        // Paths as API Gateway passes them: always from the root.
        fc.oneof(
          fc.constantFrom(
            '/files',
            '/files/',
            '/FILES',
            '/files/../me',
            '//files',
            '/files/uploads/x',
            '/me/',
            '/',
          ),
          hostileString.map((path) => `/${path}`),
        ),
        async (method, path) => {
          aws.s3.resetHistory();
          const response = await app.call(event({ method, path }));
          expect(response.statusCode, `${method} ${path}: ${response.body}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.headers?.['Content-Type']).toBe('application/problem+json');
          }
          // Unknown routes reach nothing.
          if (response.statusCode === 404 || response.statusCode === 405) expect(aws.s3.calls()).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
