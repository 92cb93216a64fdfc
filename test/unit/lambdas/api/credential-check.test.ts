/**
 * Credentials storage no longer accepts (revoked, or dropped by the issuer) must stop signing URLs
 * on every route, including the routes that only presign and so never hear from storage themselves.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import {
  alice,
  awsError,
  credentialsFor,
  type EventInput,
  parse,
  T0,
  useHarness,
} from '../../support/fixtures';

const harness = useHarness();
const HOUR = 3_600_000;
const MINUTE = 60_000;

const upload: EventInput = {
  method: 'POST',
  path: '/files/uploads',
  body: { level: 'private', key: 'a.txt', contentType: 'text/plain', size: 1 },
};
const download: EventInput = {
  method: 'POST',
  path: '/files/downloads',
  body: { level: 'private', key: 'a.txt' },
};
const listing: EventInput = { method: 'GET', path: '/files', query: { level: 'private' } };

const first = { ...credentialsFor(alice, new Date(T0 + HOUR)), AccessKeyId: 'ASIAFIRSTKEY' };
const second = { ...credentialsFor(alice, new Date(T0 + 2 * HOUR)), AccessKeyId: 'ASIASECONDKEY' };

/** The access key a presigned URL was signed with. */
function signedWith(response: APIGatewayProxyResult): string {
  expect(response.statusCode, response.body).toBe(201);
  const url = new URL(String(parse(response).url));
  return (url.searchParams.get('X-Amz-Credential') ?? '').split('/')[0] ?? '';
}

function issueTwoSets() {
  harness()
    .aws.sts.on(AssumeRoleWithWebIdentityCommand)
    .resolvesOnce({ SubjectFromWebIdentityToken: alice.identityId, Credentials: first })
    .resolves({ SubjectFromWebIdentityToken: alice.identityId, Credentials: second });
}

const credentialCalls = () => harness().aws.sts.commandCalls(AssumeRoleWithWebIdentityCommand).length;
const listCalls = () => harness().aws.s3.commandCalls(ListObjectsV2Command).length;

describe('credentials storage rejects', () => {
  test('fresh credentials sign at once: no storage call on a presign-only route', async () => {
    issueTwoSets();
    expect(signedWith(await harness().call(upload))).toBe('ASIAFIRSTKEY');
    expect(signedWith(await harness().call(download))).toBe('ASIAFIRSTKEY');
    expect(listCalls()).toBe(0);
  });

  test('a presign-only route checks credentials storage has not accepted for 5 minutes, and refreshes rejected ones', async () => {
    issueTwoSets();
    harness().aws.s3.on(ListObjectsV2Command).rejectsOnce(awsError('InvalidAccessKeyId', 403)).resolves({});
    expect(signedWith(await harness().call(upload))).toBe('ASIAFIRSTKEY');
    harness().clock.advance(6 * MINUTE);

    expect(signedWith(await harness().call(download))).toBe('ASIASECONDKEY');
    expect(credentialCalls()).toBe(2);
    const check = harness().aws.s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input;
    expect(check).toMatchObject({ Prefix: `private/${alice.identityId}/`, MaxKeys: 1 });

    // The refreshed set is what every route signs with now, and it needs no check yet.
    expect(signedWith(await harness().call(upload))).toBe('ASIASECONDKEY');
    expect(listCalls()).toBe(1);
    expect(credentialCalls()).toBe(2);
  });

  test('ExpiredToken from the check refreshes too', async () => {
    issueTwoSets();
    harness().aws.s3.on(ListObjectsV2Command).rejectsOnce(awsError('ExpiredToken', 400)).resolves({});
    await harness().call(upload);
    harness().clock.advance(6 * MINUTE);
    expect(signedWith(await harness().call(upload))).toBe('ASIASECONDKEY');
  });

  test('accepted credentials are checked again only after another interval', async () => {
    issueTwoSets();
    harness().aws.s3.on(ListObjectsV2Command).resolves({});
    await harness().call(upload);
    harness().clock.advance(6 * MINUTE);
    expect(signedWith(await harness().call(upload))).toBe('ASIAFIRSTKEY');
    expect(signedWith(await harness().call(download))).toBe('ASIAFIRSTKEY');
    expect(listCalls()).toBe(1);
    harness().clock.advance(6 * MINUTE);
    await harness().call(download);
    expect(listCalls()).toBe(2);
    expect(credentialCalls()).toBe(1);
  });

  test('a storage failure other than a credential rejection does not fail a presign-only route', async () => {
    issueTwoSets();
    harness().aws.s3.on(ListObjectsV2Command).rejects(awsError('InternalError', 500));
    await harness().call(upload);
    harness().clock.advance(6 * MINUTE);
    expect(signedWith(await harness().call(download))).toBe('ASIAFIRSTKEY');
    expect(credentialCalls()).toBe(1);
  });

  test('a rejection met by a listing refreshes the session for the presign-only routes as well', async () => {
    issueTwoSets();
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .rejectsOnce(awsError('InvalidAccessKeyId', 403))
      .resolves({ Contents: [] });
    expect(signedWith(await harness().call(upload))).toBe('ASIAFIRSTKEY');
    const listed = await harness().call(listing);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(signedWith(await harness().call(download))).toBe('ASIASECONDKEY');
    expect(credentialCalls()).toBe(2);
  });
});
