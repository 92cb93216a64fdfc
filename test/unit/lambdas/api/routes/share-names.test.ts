/**
 * The names on shares (`ownerName`, `granteeName`) come only from the function's own record of who
 * an identity is: written when the function resolved the user itself (the caller's verified claims
 * on `GET /me` and when sharing, the user pool's answer for a grantee), read one batch per page,
 * and removed with the user's data. A name an owner put in a key, in an object's metadata or
 * anywhere else in storage is never shown.
 */
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { BatchGetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  alice,
  bob,
  capturingLogger,
  expectContract,
  parse,
  type TestUser,
  testApp,
  testUser,
  useHarness,
} from '../../../support/fixtures';
import { type LedgerTable, ledgerTable, personItem, sealedLedgerConfig } from '../../../support/ledger-table';

const carol = testUser(3);
/** What an owner could write around the API (direct mode) to pass for someone else. */
const IMPOSTOR = 'the-ceo';

const pool = mockClient(CognitoIdentityProviderClient);
let table: LedgerTable;
beforeEach(() => {
  table = ledgerTable();
  pool.on(AdminGetUserCommand).callsFake((input: { Username?: string }) => {
    const user = [alice, bob, carol].find((candidate) => candidate.username === input.Username);
    if (user === undefined)
      throw Object.assign(new Error('User does not exist.'), { name: 'UserNotFoundException' });
    return { Username: user.username, Enabled: true, UserAttributes: [{ Name: 'sub', Value: user.sub }] };
  });
});
afterEach(() => {
  pool.reset();
  table.restore();
});

const harness = useHarness({ config: sealedLedgerConfig });
const personWrites = () =>
  table.sdk.commandCalls(PutItemCommand).filter((call) => call.args[0].input.Item?.sk?.S === 'person');
const as = (user: TestUser) => ({ user });

/** The caller's outgoing shares in storage, as S3 lists them (with an owner display name S3 may add). */
function sharesInStorage(owner: TestUser, shares: [TestUser, string][]) {
  harness()
    .aws.s3.on(ListObjectsV2Command)
    .resolves({
      Contents: shares.map(([grantee, path]) => ({
        Key: `shared/${owner.identityId}/${grantee.identityId}/${path}`,
        Size: 3,
        ETag: '"e"',
        LastModified: new Date(0),
        Owner: { DisplayName: IMPOSTOR, ID: 'canonical-id' },
      })),
    });
  harness()
    .aws.s3.on(HeadObjectCommand)
    .resolves({ ContentLength: 3, Metadata: { username: IMPOSTOR, 'owner-name': IMPOSTOR } });
}

/** A share-index item in the grantee's partition, with extra attributes a forged item could carry. */
function incoming(grantee: TestUser, owner: TestUser, path: string) {
  table.put({
    pk: { S: grantee.identityId },
    sk: { S: `incoming#${owner.identityId}/${path}` },
    owner: { S: owner.identityId },
    path: { S: path },
    size: { N: '3' },
    sharedAt: { S: '2026-12-01T00:00:00.000Z' },
    username: { S: IMPOSTOR },
    ownerName: { S: IMPOSTOR },
  });
}

describe('GET /files/shares: granteeName', () => {
  test("each grantee's recorded name, read in one batch; unknown grantees have none, whatever the key says", async () => {
    table.put(personItem(bob.identityId, bob.username));
    sharesInStorage(alice, [
      [bob, 'report.pdf'],
      [bob, 'notes.txt'],
      [carol, `granteeName=${IMPOSTOR}/${IMPOSTOR}.txt`],
    ]);
    const request = { method: 'GET', path: '/files/shares' };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    const items = parse(response).items as Record<string, unknown>[];
    expect(items.map((item) => [item.grantee, item.granteeName])).toEqual([
      [bob.identityId, bob.username],
      [bob.identityId, bob.username],
      [carol.identityId, undefined],
    ]);
    expect(items[2]).not.toHaveProperty('granteeName');
    expect(JSON.stringify(items.map(({ key: _, ...rest }) => rest))).not.toContain(IMPOSTOR);
    const batches = table.sdk.commandCalls(BatchGetItemCommand);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.args[0].input.RequestItems?.[sealedLedgerConfig.ledgerTable ?? '']?.Keys).toEqual([
      { pk: { S: bob.identityId }, sk: { S: 'person' } },
      { pk: { S: carol.identityId }, sk: { S: 'person' } },
    ]);
  });

  test('names that cannot be read leave the listing whole, without names, and log only the error name', async () => {
    const { logger, output } = capturingLogger();
    const local = testApp({ config: sealedLedgerConfig, logger });
    table.put(personItem(bob.identityId, bob.username));
    sharesInStorage(alice, [[bob, 'report.pdf']]);
    table.sdk
      .on(BatchGetItemCommand)
      .rejects(Object.assign(new Error(`table ${IMPOSTOR}`), { name: 'InternalServerError' }));
    const response = await local.call({ method: 'GET', path: '/files/shares' });
    expect(response.statusCode, response.body).toBe(200);
    expect(parse(response).items).toEqual([
      { grantee: bob.identityId, key: 'report.pdf', size: 3, lastModified: new Date(0).toISOString() },
    ]);
    expect(output()).toContain('InternalServerError');
    expect(output()).not.toContain(IMPOSTOR);
  });
});

describe('GET /files/shared-with-me: ownerName', () => {
  test("each owner's recorded name; an index item's own attributes and path never name anyone", async () => {
    table.put(personItem(bob.identityId, bob.username));
    incoming(alice, bob, 'a.txt');
    incoming(alice, carol, `${IMPOSTOR}/b.txt`);
    const request = { method: 'GET', path: '/files/shared-with-me' };
    const response = await harness().call(request);
    expect(response.statusCode, response.body).toBe(200);
    expectContract(request, response);
    expect(parse(response).items).toEqual([
      {
        owner: bob.identityId,
        ownerName: bob.username,
        key: 'a.txt',
        size: 3,
        sharedAt: '2026-12-01T00:00:00.000Z',
      },
      { owner: carol.identityId, key: `${IMPOSTOR}/b.txt`, size: 3, sharedAt: '2026-12-01T00:00:00.000Z' },
    ]);
    expect(table.sdk.commandCalls(BatchGetItemCommand)).toHaveLength(1);
  });
});

describe('who records names', () => {
  test('GET /me records the caller from their verified claims, once per instance', async () => {
    await harness().call({ method: 'GET', path: '/me', ...as(bob) });
    await harness().call({ method: 'GET', path: '/me', ...as(bob) });
    expect(table.get(bob.identityId, 'person')).toEqual({
      pk: { S: bob.identityId },
      sk: { S: 'person' },
      sub: { S: bob.sub },
      username: { S: bob.username },
    });
    expect(personWrites()).toHaveLength(1);
  });

  test("POST /files/shares records the grantee from the pool's answer and the caller from their claims", async () => {
    harness()
      .aws.s3.on(HeadObjectCommand)
      .resolves({ ContentLength: 3, ContentType: 'text/plain', ETag: '"e"', LastModified: new Date(0) });
    harness()
      .aws.s3.on(CopyObjectCommand)
      .resolves({ CopyObjectResult: { ETag: '"e"' } });
    const response = await harness().call({
      method: 'POST',
      path: '/files/shares',
      body: { level: 'private', key: 'a.txt', with: bob.username },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(table.get(bob.identityId, 'person')).toEqual(personItem(bob.identityId, bob.username, bob.sub));
    expect(table.get(alice.identityId, 'person')?.username).toEqual({ S: alice.username });
  });

  test('DELETE /me/data removes the caller’s person item: their name no longer shows, until they come back', async () => {
    await harness().call({ method: 'GET', path: '/me', ...as(bob) });
    harness()
      .aws.s3.on(ListObjectsV2Command)
      .resolves({ Contents: [] })
      .on(DeleteObjectsCommand)
      .resolves({});
    const deleted = await harness().call({ method: 'DELETE', path: '/me/data', ...as(bob) });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(table.get(bob.identityId, 'person')).toBeUndefined();

    sharesInStorage(alice, [[bob, 'report.pdf']]);
    const listed = parse(await harness().call({ method: 'GET', path: '/files/shares' }));
    expect((listed.items as Record<string, unknown>[])[0]).not.toHaveProperty('granteeName');

    // The same instance records them again at their next GET /me.
    await harness().call({ method: 'GET', path: '/me', ...as(bob) });
    expect(table.get(bob.identityId, 'person')?.username).toEqual({ S: bob.username });
    expect(personWrites()).toHaveLength(2);
  });
});
