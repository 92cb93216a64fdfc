import { GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import {
  alice,
  awsError,
  bob,
  type EventInput,
  event,
  expectContract,
  GUEST_ROLE_ARN,
  guestConfig,
  parse,
  useHarness,
} from '../../../support/fixtures';

const harness = useHarness({ config: guestConfig });
const modified = new Date(Date.UTC(2026, 0, 2));

/** A guest request as API Gateway passes it: no token, no claims, the path variables decoded. */
function guestEvent(method: string, path: string, query?: Record<string, string>): APIGatewayProxyEvent {
  const [, , owner, ...rest] = path.split('/');
  const resource = rest.length > 0 ? '/public/{owner}/{key+}' : '/public/{owner}';
  const pathParameters: Record<string, string> = { owner: decodeURIComponent(owner ?? '') };
  if (rest.length > 0) pathParameters.key = rest.map(decodeURIComponent).join('/');
  return { ...event({ method, path, user: null, ...(query ? { query } : {}) }), resource, pathParameters };
}

const linkOf = (key: string, owner = bob.identityId) => `/public/${owner}/${key}`;

function headAnswers(contentType = 'image/png') {
  harness()
    .aws.s3.on(HeadObjectCommand)
    .resolves({ ContentLength: 3, ContentType: contentType, ETag: '"e"', LastModified: modified });
}

describe('GET /public/{owner}/{key+}: a permanent link', () => {
  test('answers 302 to a URL for exactly that public key, signed with the guest session, without a token', async () => {
    headAnswers();
    const response = await harness().app.call(guestEvent('GET', linkOf('photos/cat%20one.png')));
    expect(response.statusCode, response.body).toBe(302);
    expectContract({ method: 'GET', path: linkOf('photos/cat%20one.png') }, response);
    const location = new URL(String(response.headers?.Location));
    expect(location.hostname).toBe('user-files-test.s3.us-east-1.amazonaws.com');
    expect(decodeURIComponent(location.pathname)).toBe(`/public/${bob.identityId}/photos/cat one.png`);
    expect(location.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAGUESTKEY\//);
    expect(location.searchParams.get('response-content-disposition')).toBe('attachment');
    const head = harness().aws.s3.commandCalls(HeadObjectCommand)[0]?.args[0].input;
    expect(head?.Key).toBe(`public/${bob.identityId}/photos/cat one.png`);
    // The guest role, never the authenticated one.
    const sts = harness().aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand);
    expect(sts.map((call) => call.args[0].input.RoleArn)).toEqual([GUEST_ROLE_ARN]);
  });

  test("a signed-in caller's token changes nothing: the link is still signed with the guest session", async () => {
    headAnswers();
    const signedIn = {
      ...guestEvent('GET', linkOf('a.png')),
      ...event({ method: 'GET', path: linkOf('a.png') }),
    };
    const response = await harness().app.call({
      ...signedIn,
      resource: '/public/{owner}/{key+}',
      pathParameters: { owner: bob.identityId, key: 'a.png' },
    });
    expect(response.statusCode).toBe(302);
    const url = new URL(String(response.headers?.Location));
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAGUESTKEY\//);
    expect(
      harness()
        .aws.cognito.commandCalls(GetOpenIdTokenCommand)
        .map((call) => call.args[0].input.Logins),
    ).toEqual([undefined]);
  });

  test('lets caches keep the redirect only while the URL it points to still works', async () => {
    headAnswers();
    const response = await harness().app.call(guestEvent('GET', linkOf('a.png')));
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(String(response.headers?.['Cache-Control']))?.[1]);
    const expires = new URL(String(response.headers?.Location)).searchParams.get('X-Amz-Expires');
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThan(Number(expires));
  });

  test('HEAD answers the same redirect with no body', async () => {
    headAnswers();
    const response = await harness().app.call(guestEvent('HEAD', linkOf('a.png')));
    expect(response.statusCode).toBe(302);
    expect(response.body).toBe('');
    expect(decodeURIComponent(String(response.headers?.Location))).toContain(
      `public/${bob.identityId}/a.png`,
    );
  });

  test.each([
    ['image/png', 'inline', 'image/png'],
    ['text/html', 'attachment', null],
    ['image/svg+xml', 'attachment', null],
  ])('inline=1 renders only passive types: %s is signed %s', async (type, disposition, pinned) => {
    headAnswers(type);
    const response = await harness().app.call(guestEvent('GET', linkOf('a'), { inline: '1' }));
    const url = new URL(String(response.headers?.Location));
    expect(url.searchParams.get('response-content-disposition')).toBe(disposition);
    expect(url.searchParams.get('response-content-type')).toBe(pinned);
  });

  test('a missing file and one the guest may not read are the same 404', async () => {
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    const missing = await harness().app.call(guestEvent('GET', linkOf('gone.png')));
    harness().aws.s3.reset();
    harness().aws.s3.on(HeadObjectCommand).rejects(awsError('Forbidden', 403));
    harness().aws.s3.on(ListObjectsV2Command).rejects(awsError('AccessDenied', 403));
    const refused = await harness().app.call(guestEvent('GET', linkOf('secret.png')));
    for (const response of [missing, refused]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers?.Location).toBeUndefined();
      expectContract({ method: 'GET', path: linkOf('x') }, response);
    }
    expect(parse(missing)).toEqual({ ...parse(refused), requestId: parse(missing).requestId });
  });

  test.each([
    ['owner', '/public/not-an-identity/a.png', undefined],
    ['owner', `/public/${bob.identityId.toUpperCase()}/a.png`, undefined],
    ['key', linkOf('photos/../a.png'), undefined],
    ['key', linkOf('a%0Ab.png'), undefined],
    ['inline', linkOf('a.png'), { inline: 'yes' }],
    ['download', linkOf('a.png'), { download: '1' }],
  ])('a bad %s (%s) is a 400 naming it, and reaches no storage', async (field, path, query) => {
    const response = await harness().app.call(guestEvent('GET', path, query));
    expect(response.statusCode, response.body).toBe(400);
    expect(parse(response).field).toBe(field);
    expect(harness().storageCalls()).toBe(0);
    expect(harness().aws.cognito.calls()).toHaveLength(0);
  });

  test('one guest identity and one session serve every guest request of an instance', async () => {
    headAnswers();
    for (const key of ['a.png', 'b.png', 'c.png']) {
      expect((await harness().app.call(guestEvent('GET', linkOf(key)))).statusCode).toBe(302);
    }
    const { cognito, sts } = harness().aws;
    expect(cognito.commandCalls(GetIdCommand).map((call) => call.args[0].input)).toEqual([
      { IdentityPoolId: guestConfig.identityPoolId },
    ]);
    expect(cognito.commandCalls(GetOpenIdTokenCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(1);
  });
});

describe('GET /public/{owner}: one owner public folder', () => {
  test('lists with the guest session and gives each item its permanent link', async () => {
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({
        Contents: [
          {
            Key: `public/${bob.identityId}/photos/cat one.png`,
            Size: 3,
            ETag: '"e"',
            LastModified: modified,
          },
        ],
      });
    const path = `/public/${bob.identityId}`;
    const response = await harness().app.call(guestEvent('GET', path, { prefix: 'photos/' }));
    expect(response.statusCode, response.body).toBe(200);
    expectContract({ method: 'GET', path }, response);
    expect(parse(response).items).toEqual([
      {
        key: 'photos/cat one.png',
        size: 3,
        etag: '"e"',
        lastModified: modified.toISOString(),
        publicUrl: `https://api.example.com/v1/public/${bob.identityId}/photos/cat%20one.png`,
      },
    ]);
    expect(harness().aws.s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input.Prefix).toBe(
      `public/${bob.identityId}/photos/`,
    );
  });
});

describe('publicUrl in signed-in answers', () => {
  const download = (body: Record<string, unknown>): EventInput => ({
    method: 'POST',
    path: '/files/downloads',
    body,
  });

  test('a public download carries its permanent link; other levels do not', async () => {
    const mine = await harness().call(download({ level: 'public', key: 'a b.png' }));
    expect(mine.statusCode, mine.body).toBe(201);
    expectContract(download({}), mine);
    expect(parse(mine).publicUrl).toBe(`https://api.example.com/v1/public/${alice.identityId}/a%20b.png`);
    const other = await harness().call(download({ level: 'protected', key: 'a.png' }));
    expect(parse(other).publicUrl).toBeUndefined();
  });

  test('public properties carry it too', async () => {
    headAnswers();
    const request = { method: 'GET', path: '/files/properties', query: { level: 'public', key: 'a.png' } };
    const response = await harness().call(request);
    expectContract(request, response);
    expect(parse(response).publicUrl).toBe(`https://api.example.com/v1/public/${alice.identityId}/a.png`);
  });
});

describe('a deployment without guest access', () => {
  const closed = useHarness();

  test('serves no guest route and gives no publicUrl', async () => {
    const link = await closed().app.call(guestEvent('GET', linkOf('a.png')));
    expect(link.statusCode).toBe(404);
    expect(parse(link).code).toBe('not_found');
    expect(closed().aws.cognito.calls()).toHaveLength(0);
    const mine = await closed().call(download({ level: 'public', key: 'a.png' }));
    expect(parse(mine).publicUrl).toBeUndefined();
  });

  const download = (body: Record<string, unknown>): EventInput => ({
    method: 'POST',
    path: '/files/downloads',
    body,
  });
});
