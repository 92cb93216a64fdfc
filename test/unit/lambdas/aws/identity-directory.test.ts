import { GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity';
import {
  DynamoDBClient,
  type DynamoDBClientResolvedConfig,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Config, loadConfig } from '../../../../lambdas/api/config';
import { createDirectoryClient, DIRECTORY_TIMEOUTS } from '../../../../lambdas/aws/identity-directory';
import {
  alice,
  bob,
  type Clock,
  capturingLogger,
  clock,
  config,
  credentialsFor,
  ENV,
  type EventInput,
  mockAws,
  parse,
  type TestUser,
  testApp,
} from '../../support/fixtures';

const TABLE = 'user-files-identity-directory';
const withDirectory: Config = loadConfig({ ...ENV, IDENTITY_DIRECTORY_TABLE: TABLE });
const entryId = (user: TestUser) => `${config.userPoolId}#${user.sub}`;

let testClock: Clock;
let aws: ReturnType<typeof mockAws>;
let dynamo: AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBClientResolvedConfig>;
/** The table's contents, shared by every instance (as the real table is). */
let table: Map<string, string>;

const getIds = () => aws.cognito.commandCalls(GetIdCommand).length;
const getCredentials = () => aws.cognito.commandCalls(GetOpenIdTokenCommand).length;
const getItems = () => dynamo.commandCalls(GetItemCommand).length;
const putItems = () => dynamo.commandCalls(PutItemCommand);

function dynamoError(name: string, httpStatusCode: number) {
  return new DynamoDBServiceException({
    name,
    message: `${name} from DynamoDB`,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

beforeEach(() => {
  testClock = clock();
  aws = mockAws({ users: [alice, bob], clock: testClock });
  // The fixture's identity pool, as the real one, issues a token only for an identity the login is linked to.
  table = new Map();
  dynamo = mockClient(DynamoDBClient);
  dynamo.on(GetItemCommand).callsFake((input: { Key?: { id?: { S?: string } } }) => {
    const value = table.get(input.Key?.id?.S ?? '');
    return value === undefined ? {} : { Item: { id: input.Key?.id, identityId: { S: value } } };
  });
  dynamo
    .on(PutItemCommand)
    .callsFake((input: { Item?: { id?: { S?: string }; identityId?: { S?: string } } }) => {
      table.set(input.Item?.id?.S ?? '', input.Item?.identityId?.S ?? '');
      return {};
    });
});

afterEach(() => {
  aws.cognito.restore();
  aws.sts.restore();
  aws.s3.restore();
  dynamo.restore();
});

const upload = (user: TestUser, key = 'a.txt'): EventInput => ({
  method: 'POST',
  path: '/files/uploads',
  user,
  body: { level: 'private', key, contentType: 'text/plain', size: 1 },
});

/** A new Lambda instance: empty caches, the same table. */
const instance = (options: { logger?: ReturnType<typeof capturingLogger>['logger'] } = {}) =>
  testApp({ config: withDirectory, now: testClock.now, ...options });

describe('sub-to-identity directory', () => {
  test('a returning user on a cold instance costs no GetId', async () => {
    table.set(entryId(alice), alice.identityId);
    const response = await instance().call(upload(alice));
    expect(response.statusCode, response.body).toBe(201);
    expect(parse(response).owner).toBe(alice.identityId);
    expect(getItems()).toBe(1);
    expect(getIds()).toBe(0);
    expect(getCredentials()).toBe(1);
    expect(putItems()).toHaveLength(0);
  });

  test('a miss asks GetId and records the ID; the next cold instance then needs no GetId', async () => {
    const first = await instance().call(upload(alice));
    expect(first.statusCode, first.body).toBe(201);
    expect(getIds()).toBe(1);
    expect(putItems().map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Item: { id: { S: entryId(alice) }, identityId: { S: alice.identityId } },
      },
    ]);
    const second = await instance().call(upload(alice));
    expect(second.statusCode, second.body).toBe(201);
    expect(getIds()).toBe(1);
    expect(dynamo.commandCalls(GetItemCommand).map((call) => call.args[0].input.Key)).toEqual([
      { id: { S: entryId(alice) } },
      { id: { S: entryId(alice) } },
    ]);
  });

  test.each([
    ['throttled', dynamoError('ProvisionedThroughputExceededException', 400)],
    ['failing', dynamoError('InternalServerError', 500)],
    ['timing out', Object.assign(new Error('Request timed out'), { name: 'TimeoutError' })],
  ])('a %s GetItem falls back to GetId and the request succeeds', async (_, error) => {
    dynamo.on(GetItemCommand).rejects(error);
    const { logger, output } = capturingLogger();
    const response = await instance({ logger }).call(upload(alice));
    expect(response.statusCode, response.body).toBe(201);
    expect(parse(response).owner).toBe(alice.identityId);
    expect(getIds()).toBe(1);
    expect(output()).toContain('identity directory unavailable');
    expect(output()).not.toContain(alice.token);
  });

  test('a failing PutItem is logged without the token and the request succeeds', async () => {
    dynamo.on(PutItemCommand).rejects(dynamoError('InternalServerError', 500));
    const { logger, output } = capturingLogger();
    const response = await instance({ logger }).call(upload(alice));
    expect(response.statusCode, response.body).toBe(201);
    expect(putItems()).toHaveLength(1);
    expect(output()).toContain('identity directory unavailable');
    expect(output()).toContain('"operation":"record"');
    expect(output()).not.toContain(alice.token);
    expect(output()).not.toContain(alice.sub);
  });

  test("a wrong entry (another user's ID) is refused, recovered via GetId, and never yields that user's credentials", async () => {
    const app = instance();
    // Bob is served first: his credentials are cached on this very instance.
    expect((await app.call(upload(bob))).statusCode).toBe(201);
    table.set(entryId(alice), bob.identityId);
    aws.cognito.resetHistory();
    dynamo.resetHistory();

    const response = await app.call(upload(alice));
    expect(response.statusCode, response.body).toBe(201);
    const body = parse(response) as { owner: string; url: string };
    expect(body.owner).toBe(alice.identityId);
    expect(body.url).toContain(`X-Amz-Credential=${credentialsFor(alice, new Date()).AccessKeyId}`);
    expect(body.url).not.toContain(credentialsFor(bob, new Date()).AccessKeyId);
    // The refusal came from the identity pool checking Alice's token against Bob's identity.
    const asked = aws.cognito.commandCalls(GetOpenIdTokenCommand).map((c) => c.args[0].input);
    expect(asked.map((input) => input.IdentityId)).toEqual([bob.identityId, alice.identityId]);
    expect(asked.every((input) => Object.values(input.Logins ?? {})[0] === alice.token)).toBe(true);
    expect(getIds()).toBe(1);
    expect(table.get(entryId(alice))).toBe(alice.identityId);

    // Recovered for good: the next request is warm.
    aws.cognito.resetHistory();
    dynamo.resetHistory();
    expect((await app.call(upload(alice, 'b.txt'))).statusCode).toBe(201);
    expect(aws.cognito.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });

  test('a second refusal, after GetId, propagates as without a directory', async () => {
    table.set(entryId(alice), bob.identityId);
    aws.cognito
      .on(GetOpenIdTokenCommand)
      .rejects(Object.assign(new Error('Invalid login token.'), { name: 'NotAuthorizedException' }));
    const response = await instance().call(upload(alice));
    expect(response.statusCode, response.body).toBe(401);
    expect(getIds()).toBe(1);
    expect(getCredentials()).toBe(2);
  });

  test('the warm path makes no DynamoDB and no Cognito call', async () => {
    table.set(entryId(alice), alice.identityId);
    const app = instance();
    expect((await app.call(upload(alice))).statusCode).toBe(201);
    aws.cognito.resetHistory();
    dynamo.resetHistory();
    for (let i = 0; i < 20; i++) {
      const response = await app.call(
        i % 2 === 0 ? upload(alice, `f${i}`) : { method: 'GET', path: '/me', user: alice },
      );
      expect(response.statusCode, response.body).toBeLessThan(300);
    }
    expect(aws.cognito.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });

  test('without IDENTITY_DIRECTORY_TABLE there is no DynamoDB call at all', async () => {
    expect(config.identityDirectoryTable).toBeUndefined();
    const { call } = testApp({ now: testClock.now });
    expect((await call(upload(alice))).statusCode).toBe(201);
    expect(getIds()).toBe(1);
    expect(dynamo.calls()).toHaveLength(0);
  });

  test('an entry that is not an identity ID counts as none', async () => {
    table.set(entryId(alice), 'us-east-1:../../bob');
    const response = await instance().call(upload(alice));
    expect(response.statusCode, response.body).toBe(201);
    expect(parse(response).owner).toBe(alice.identityId);
    expect(getIds()).toBe(1);
    expect(table.get(entryId(alice))).toBe(alice.identityId);
  });
});

describe('directory configuration', () => {
  test('IDENTITY_DIRECTORY_TABLE is parsed; empty means unset; a bad name is refused', () => {
    expect(withDirectory.identityDirectoryTable).toBe(TABLE);
    expect(loadConfig({ ...ENV, IDENTITY_DIRECTORY_TABLE: '' }).identityDirectoryTable).toBeUndefined();
    expect(() => loadConfig({ ...ENV, IDENTITY_DIRECTORY_TABLE: 'no spaces' })).toThrow(
      /IDENTITY_DIRECTORY_TABLE/,
    );
  });

  test('the client gives up fast: short timeouts that throw, one retry at most', async () => {
    const client = createDirectoryClient('us-east-1');
    expect(DIRECTORY_TIMEOUTS).toEqual({
      connectionTimeout: 300,
      requestTimeout: 500,
      throwOnRequestTimeout: true,
    });
    expect(await client.config.maxAttempts()).toBe(2);
    client.destroy();
  });
});
