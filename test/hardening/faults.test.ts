/**
 * Faults, end to end through the real AWS SDK clients: Cognito Identity and S3 are a fake on
 * loopback that throttles, fails, hangs, drops connections or expires credentials on command (see
 * test/support/fake-aws.ts). Every fault must end in a bounded number of upstream attempts, within a
 * bounded wall time, as the right problem response (503 + Retry-After, 502, 504), never a 500 with
 * internals, and never with a change half made or a URL handed out that should not be.
 */
import { it as base, describe, expect } from 'vitest';
import { TIMEOUT_EARLY_MS } from '../../lambdas/api/app';
import { DEFAULT_RETRY } from '../../lambdas/aws/retry';
import { type FakeAws, refusedUrl, startFakeAws } from '../support/fake-aws';
import { alice, type EventInput, parse } from '../unit/support/fixtures';
import { ATTEMPT_TIMEOUT_MS, appAgainst, expectProblem } from './support/app';

const ownKey = (key: string) => `private/${alice.identityId}/${key}`;

const me: EventInput = { method: 'GET', path: '/me' };
const list: EventInput = { method: 'GET', path: '/files', query: { level: 'private' } };
const properties: EventInput = {
  method: 'GET',
  path: '/files/properties',
  query: { level: 'private', key: 'kept.txt' },
};
const remove: EventInput = { method: 'DELETE', path: '/files', query: { level: 'private', key: 'kept.txt' } };
const upload = (overwrite: boolean): EventInput => ({
  method: 'POST',
  path: '/files/uploads',
  body: { level: 'private', key: 'new.txt', contentType: 'text/plain', size: 5, overwrite },
});

/** Cognito's retry budget: 3 attempts, backoff capped at 100 + 200 ms. */
const COGNITO_ATTEMPTS = DEFAULT_RETRY.attempts;
const COGNITO_BACKOFF_MS = DEFAULT_RETRY.baseDelayMs * (1 + 2);
/** The SDK's standard strategy for S3: 3 attempts; backoff up to 50 ms x 2^n, or 1 s x 2^n when throttled. */
const S3_ATTEMPTS = 3;
const S3_BACKOFF_MS = 50 * (1 + 2);
const S3_THROTTLED_BACKOFF_MS = 1_000 * (1 + 2);
// Generous: these bounds prove "no hang" (a hang is the 10 s function timeout), not speed, and the
// machine is shared with the other test projects.
const SLACK_MS = 2_000;

/** Each test its own fake AWS (so the tests run concurrently), with one object already stored. */
const it = base.extend<{ fake: FakeAws }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their context destructured.
  fake: async ({}, use) => {
    const fake = await startFakeAws({ [alice.token]: alice.identityId });
    fake.objects.set(ownKey('kept.txt'), { body: 'kept', contentType: 'text/plain' });
    await use(fake);
    await fake.close();
  },
});

const appFor = (fake: FakeAws, options: Partial<Parameters<typeof appAgainst>[0]> = {}) =>
  appAgainst({ cognito: fake.url, s3: fake.url, ...options });

describe.concurrent('Cognito throttling (TooManyRequestsException)', () => {
  it('is retried with growing backoff, then answered 503 with Retry-After', async ({ fake }) => {
    fake.fail('GetId', { kind: 'cognito', status: 400, type: 'TooManyRequestsException' });
    // Jitter at its top, so the backoff itself is visible between the attempts.
    const { call } = appFor(fake, { retry: { ...DEFAULT_RETRY, random: () => 0.999 } });
    const { response, ms } = await call(me);

    expectProblem(me, response, 503, 'throttled');
    expect(response.headers?.['Retry-After']).toBe('1');
    expect(fake.count('GetId')).toBe(COGNITO_ATTEMPTS);
    const [first, second, third] = fake.attempts.map((attempt) => attempt.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(DEFAULT_RETRY.baseDelayMs - 5);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(2 * DEFAULT_RETRY.baseDelayMs - 5);
    expect(ms).toBeLessThan(COGNITO_BACKOFF_MS + SLACK_MS);
  });

  it('that clears within the retries is invisible to the caller', async ({ fake }) => {
    fake.fail('GetId', { kind: 'cognito', status: 400, type: 'TooManyRequestsException' }, 2);
    const { response } = await appFor(fake).call(me);
    expect(response.statusCode, response.body).toBe(200);
    expect(parse(response).identityId).toBe(alice.identityId);
    expect(fake.count('GetId')).toBe(3);
  });

  it('on GetOpenIdToken answers 503 and hands out no upload URL', async ({ fake }) => {
    fake.fail('GetOpenIdToken', {
      kind: 'cognito',
      status: 400,
      type: 'TooManyRequestsException',
    });
    const request = upload(true);
    const { response, ms } = await appFor(fake).call(request);
    expectProblem(request, response, 503, 'throttled');
    expect(response.headers?.['Retry-After']).toBe('1');
    expect(fake.count('GetOpenIdToken')).toBe(COGNITO_ATTEMPTS);
    expect(fake.count('AssumeRoleWithWebIdentity')).toBe(0);
    expect(ms).toBeLessThan(COGNITO_BACKOFF_MS + SLACK_MS);
  });

  it('on STS (Throttling) answers 503 and hands out no upload URL', async ({ fake }) => {
    fake.fail('AssumeRoleWithWebIdentity', { kind: 'sts', status: 400, code: 'Throttling' });
    const request = upload(true);
    const { response } = await appFor(fake).call(request);
    expectProblem(request, response, 503, 'throttled');
    expect(fake.count('AssumeRoleWithWebIdentity')).toBe(COGNITO_ATTEMPTS);
  });
});

describe.concurrent('Cognito failing', () => {
  it('a 5xx (InternalErrorException) is retried, then answered 502', async ({ fake }) => {
    fake.fail('GetId', { kind: 'cognito', status: 500, type: 'InternalErrorException' });
    const { response, ms } = await appFor(fake).call(list);
    expectProblem(list, response, 502, 'upstream_error');
    expect(fake.count('GetId')).toBe(COGNITO_ATTEMPTS);
    expect(fake.count('ListObjectsV2')).toBe(0);
    expect(ms).toBeLessThan(COGNITO_BACKOFF_MS + SLACK_MS);
  });

  it("a proxy's bare HTML 503 on STS is retried, then answered 502", async ({ fake }) => {
    fake.fail('AssumeRoleWithWebIdentity', { kind: 'status', status: 503, body: '<html>busy</html>' });
    const { response } = await appFor(fake).call(list);
    expectProblem(list, response, 502, 'upstream_error');
    expect(fake.count('AssumeRoleWithWebIdentity')).toBe(COGNITO_ATTEMPTS);
    expect(fake.count('ListObjectsV2')).toBe(0);
  });

  it('a hang is cut by the attempt timeout, retried, then answered 504', async ({ fake }) => {
    fake.fail('GetId', { kind: 'hang' });
    const { response, ms } = await appFor(fake, { shortTimeouts: 'cognito' }).call(me);
    expectProblem(me, response, 504, 'upstream_timeout');
    expect(fake.count('GetId')).toBe(COGNITO_ATTEMPTS);
    expect(ms).toBeLessThan(COGNITO_ATTEMPTS * ATTEMPT_TIMEOUT_MS + COGNITO_BACKOFF_MS + SLACK_MS);
  });

  it('a dropped connection is retried, then answered 502', async ({ fake }) => {
    fake.fail('GetId', { kind: 'reset' });
    const { response } = await appFor(fake).call(me);
    expectProblem(me, response, 502, 'upstream_error');
    expect(fake.count('GetId')).toBe(COGNITO_ATTEMPTS);
  });

  it('the identity service down (connection refused) is answered 502 at once', async ({ fake }) => {
    const { response, ms } = await appFor(fake, { cognito: await refusedUrl() }).call(me);
    expectProblem(me, response, 502, 'upstream_error');
    expect(ms).toBeLessThan(COGNITO_BACKOFF_MS + SLACK_MS);
  });
});

describe.concurrent('S3 failing', () => {
  it('a 5xx on the existence check is retried, then answered 502 without an upload URL', async ({ fake }) => {
    fake.fail('HeadObject', { kind: 's3', status: 500, code: 'InternalError' });
    const request = upload(false);
    const { response, ms } = await appFor(fake).call(request);
    expectProblem(request, response, 502, 'upstream_error');
    expect(fake.count('HeadObject')).toBe(S3_ATTEMPTS);
    expect(ms).toBeLessThan(S3_BACKOFF_MS + SLACK_MS);
  });

  it('a 5xx on delete is retried, then reported as a failure, and the object is still there', async ({
    fake,
  }) => {
    fake.fail('DeleteObject', { kind: 's3', status: 503, code: 'ServiceUnavailable' });
    const { response } = await appFor(fake).call(remove);
    expectProblem(remove, response, 502, 'upstream_error');
    expect(fake.count('DeleteObject')).toBe(S3_ATTEMPTS);
    expect(fake.objects.has(ownKey('kept.txt'))).toBe(true);
  });

  it('a transient 5xx on delete that clears within the retries deletes the object: 204', async ({ fake }) => {
    fake.fail('DeleteObject', { kind: 's3', status: 500, code: 'InternalError' }, 2);
    const { response } = await appFor(fake).call(remove);
    expect(response.statusCode, response.body).toBe(204);
    expect(fake.count('DeleteObject')).toBe(3);
    expect(fake.objects.has(ownKey('kept.txt'))).toBe(false);
  });

  it('SlowDown is retried with the SDK throttling backoff, then answered 503 with Retry-After', async ({
    fake,
  }) => {
    fake.fail('ListObjectsV2', { kind: 's3', status: 503, code: 'SlowDown' });
    const { response, ms } = await appFor(fake).call(list);
    expectProblem(list, response, 503, 'throttled');
    expect(Number(response.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(fake.count('ListObjectsV2')).toBe(S3_ATTEMPTS);
    expect(ms).toBeLessThan(S3_THROTTLED_BACKOFF_MS + SLACK_MS);
  });

  it('a hang on delete is cut by the attempt timeout, retried, then answered 504', async ({ fake }) => {
    fake.fail('DeleteObject', { kind: 'hang' });
    const { response, ms } = await appFor(fake, { shortTimeouts: 's3' }).call(remove);
    expectProblem(remove, response, 504, 'upstream_timeout');
    expect(fake.count('DeleteObject')).toBe(S3_ATTEMPTS);
    expect(ms).toBeLessThan(S3_ATTEMPTS * ATTEMPT_TIMEOUT_MS + S3_BACKOFF_MS + SLACK_MS);
  });

  it('a hang on HEAD for properties answers 504', async ({ fake }) => {
    fake.fail('HeadObject', { kind: 'hang' });
    const { response, ms } = await appFor(fake, { shortTimeouts: 's3' }).call(properties);
    expectProblem(properties, response, 504, 'upstream_timeout');
    expect(fake.count('HeadObject')).toBe(S3_ATTEMPTS);
    expect(ms).toBeLessThan(S3_ATTEMPTS * ATTEMPT_TIMEOUT_MS + S3_BACKOFF_MS + SLACK_MS);
  });

  it('a dropped connection on list is retried, then answered 502', async ({ fake }) => {
    fake.fail('ListObjectsV2', { kind: 'reset' });
    const { response } = await appFor(fake).call(list);
    expectProblem(list, response, 502, 'upstream_error');
    expect(fake.count('ListObjectsV2')).toBe(S3_ATTEMPTS);
  });

  it('storage down (connection refused) is answered 502, quickly, for every S3 route', async ({ fake }) => {
    const { call } = appFor(fake, { s3: await refusedUrl() });
    for (const request of [list, remove, properties, upload(false)]) {
      const { response, ms } = await call(request);
      expectProblem(request, response, 502, 'upstream_error');
      expect(ms).toBeLessThan(S3_BACKOFF_MS + SLACK_MS);
    }
  });
});

describe.concurrent('credentials expiring mid-request (S3 answers ExpiredToken)', () => {
  const expired = { kind: 's3', status: 400, code: 'ExpiredToken' } as const;

  it('once: fresh credentials are fetched and the listing retried with them', async ({ fake }) => {
    fake.fail('ListObjectsV2', expired, 1);
    const { response } = await appFor(fake).call(list);
    expect(response.statusCode, response.body).toBe(200);
    expect(parse(response).items).toEqual([expect.objectContaining({ key: 'kept.txt' })]);
    expect(fake.count('AssumeRoleWithWebIdentity')).toBe(2);
    const keys = fake.attempts.filter((a) => a.operation === 'ListObjectsV2').map((a) => a.accessKeyId);
    expect(keys).toEqual(['ASIAFAKE1', 'ASIAFAKE2']);
  });

  it('once on delete: deleted with fresh credentials, 204', async ({ fake }) => {
    fake.fail('DeleteObject', expired, 1);
    const { response } = await appFor(fake).call(remove);
    expect(response.statusCode, response.body).toBe(204);
    expect(fake.objects.has(ownKey('kept.txt'))).toBe(false);
  });

  it('once on the existence check (a HEAD: status only, no error code): refreshed, URL signed with fresh credentials', async ({
    fake,
  }) => {
    fake.fail('HeadObject', expired, 1);
    const request = upload(false);
    const { response } = await appFor(fake).call(request);
    expect(response.statusCode, response.body).toBe(201);
    const url = new URL(String(parse(response).url));
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAFAKE2\//);
    expect(fake.count('AssumeRoleWithWebIdentity')).toBe(2);
  });

  it('for good: one refresh only, then 502 (no loop)', async ({ fake }) => {
    fake.fail('ListObjectsV2', expired);
    const { response } = await appFor(fake).call(list);
    expectProblem(list, response, 502, 'upstream_error');
    expect(fake.count('AssumeRoleWithWebIdentity')).toBe(2);
    expect(fake.count('ListObjectsV2')).toBe(2);
  });
});

describe.concurrent('the whole request has a deadline', () => {
  it('with everything hanging and production timeouts, answers 504 before the function times out', async ({
    fake,
  }) => {
    fake.fail('GetId', { kind: 'hang' });
    const remainingMs = 1_500;
    const { response, ms } = await appFor(fake, { remainingMs }).call(list);
    expectProblem(list, response, 504, 'upstream_timeout');
    // Answered with room to spare: an answer at the deadline itself dies with the function.
    expect(ms).toBeGreaterThan(remainingMs - TIMEOUT_EARLY_MS - 50);
    expect(ms).toBeLessThan(remainingMs);
  });
});

describe.concurrent('what the failures leave in the logs', () => {
  it('every upstream failure is logged by name and status, never with a token, credential or URL', async ({
    fake,
  }) => {
    const { call, logs } = appFor(fake);
    fake.fail('HeadObject', { kind: 's3', status: 500, code: 'InternalError' }, 3);
    expect((await call(upload(false))).response.statusCode).toBe(502);
    fake.fail('ListObjectsV2', { kind: 's3', status: 400, code: 'ExpiredToken' });
    expect((await call(list)).response.statusCode).toBe(502);
    fake.fail('DeleteObject', { kind: 'reset' });
    expect((await call(remove)).response.statusCode).toBe(502);

    const written = logs();
    expect(written).toContain('"problem":"upstream_error"');
    for (const secret of [alice.token, 'ASIAFAKE', 'fake-secret', 'fake-session', 'X-Amz-', fake.url]) {
      expect(written).not.toContain(secret);
    }
  });
});
