/**
 * moto is no back door: on a whole local stack, no output points at moto, every way in checks its
 * caller as AWS does, and tokens signed with the key moto ships in its package are refused.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CognitoIdentityClient, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  BatchGetItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { localAppClient, signInWithPassword } from '../support/sign-in';
import { decodeJwtPart, motoBuiltInSigningKey, signJwt } from './support';

const run = promisify(execFile);
const TABLE = 'user-files-local-identity-directory';

let stack: LocalStack;
let idToken: string;
let userCredentials: AwsCredentialIdentity;
let functionCredentials: AwsCredentialIdentity;

beforeAll(async () => {
  // Direct mode: users can get identity credentials, which every front door but S3 must refuse.
  stack = await startLocalStack({ quiet: true, accessMode: 'direct' });
  const { outputs } = stack;
  const [alice] = outputs.DemoUsers;
  if (!alice) throw new Error('a demo user expected');
  idToken = (await signInWithPassword(localAppClient(outputs), alice)).idToken;
  userCredentials = await fromCognitoIdentityPool({
    identityPoolId: outputs.IdentityPoolId,
    logins: { [`cognito-idp.${outputs.Region}.amazonaws.com/${outputs.UserPoolId}`]: idToken },
    clientConfig: { region: outputs.Region, endpoint: outputs.CognitoIdentityEndpoint },
  })();
  // loadHandler put the function's environment into this process, as Lambda gives it its role's keys.
  functionCredentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
  };
});

afterAll(async () => {
  await stack?.stop();
});

const idpWith = (credentials?: AwsCredentialIdentity) =>
  new CognitoIdentityProviderClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.CognitoIdpEndpoint,
    maxAttempts: 1,
    ...(credentials ? { credentials } : {}),
  });

const dynamoWith = (credentials: AwsCredentialIdentity) =>
  new DynamoDBClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.DynamoDbEndpoint,
    credentials,
    maxAttempts: 1,
  });

/** A raw, unsigned AWS JSON call: what any process on the machine can send. */
async function unsigned(
  endpoint: string,
  target: string,
  body: unknown,
): Promise<{ status: number; type: string }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { __type?: string };
  return { status: response.status, type: json.__type ?? '' };
}

const unknownKeys = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'not-a-secret-of-this-stack' };

describe('moto is unreachable except through the front doors', () => {
  it('no output, endpoint or banner URL is moto', async () => {
    const urls = Object.values(stack.outputs).filter(
      (value): value is string => typeof value === 'string' && value.startsWith('http'),
    );
    expect(urls.length).toBeGreaterThanOrEqual(5);
    // The KMS door too (test/local/kms/ checks who may call it).
    expect(urls).toContain(stack.outputs.KmsEndpoint);
    for (const url of urls) {
      const origin = new URL(url).origin;
      // moto answers its own API here; none of the stack's endpoints passes it through.
      const response = await fetch(`${origin}/moto-api/`);
      await response.arrayBuffer();
      expect(response.status, url).not.toBe(200);
    }
  });

  it('the user-pool gateway serves the pool JWKS (our key) and nothing else of moto', async () => {
    const { outputs } = stack;
    const jwks = (await (
      await fetch(`${outputs.CognitoIdpEndpoint}/${outputs.UserPoolId}/.well-known/jwks.json`)
    ).json()) as { keys: { kid: string; n: string }[] };
    expect(jwks.keys.map((key) => key.n)).toEqual([stack.userPoolSigningKey.n]);
    for (const path of ['/moto-api/', `/${outputs.BucketName}`, '/moto-api/data.json']) {
      const response = await fetch(`${outputs.CognitoIdpEndpoint}${path}`);
      await response.arrayBuffer();
      expect(response.status, path).toBe(404);
    }
  });
});

describe('user pool: IAM-authorized operations only with the admin keys', () => {
  const operations = {
    ListUsers: () => new ListUsersCommand({ UserPoolId: stack.outputs.UserPoolId }),
    AdminSetUserPassword: () =>
      new AdminSetUserPasswordCommand({
        UserPoolId: stack.outputs.UserPoolId,
        Username: stack.outputs.DemoUsers[0]?.username ?? '',
        Password: 'Taken-Over-Passw0rd!',
        Permanent: true,
      }),
    AdminCreateUser: () =>
      new AdminCreateUserCommand({
        UserPoolId: stack.outputs.UserPoolId,
        Username: 'mallory@example.com',
        MessageAction: 'SUPPRESS',
      }),
  };

  it.each(Object.keys(operations))('%s unsigned: MissingAuthenticationTokenException', async (name) => {
    const input = operations[name as keyof typeof operations]().input;
    await expect(
      unsigned(stack.outputs.CognitoIdpEndpoint, `AWSCognitoIdentityProviderService.${name}`, input),
    ).resolves.toEqual({ status: 403, type: 'MissingAuthenticationTokenException' });
  });

  it.each(Object.keys(operations))(
    '%s with keys the stack never issued: UnrecognizedClientException',
    async (name) => {
      const idp = idpWith(unknownKeys);
      try {
        await expect(
          idp.send(operations[name as keyof typeof operations]() as ListUsersCommand),
        ).rejects.toMatchObject({
          name: 'UnrecognizedClientException',
        });
      } finally {
        idp.destroy();
      }
    },
  );

  it.each(Object.keys(operations))(
    "%s with a user's identity credentials: AccessDeniedException",
    async (name) => {
      const idp = idpWith(userCredentials);
      try {
        await expect(
          idp.send(operations[name as keyof typeof operations]() as ListUsersCommand),
        ).rejects.toMatchObject({
          name: 'AccessDeniedException',
          message: expect.stringContaining(`cognito-idp:${name}`),
        });
      } finally {
        idp.destroy();
      }
    },
  );

  it("the admin's key ID with a wrong secret: InvalidSignatureException", async () => {
    const idp = idpWith({ accessKeyId: stack.adminCredentials.accessKeyId, secretAccessKey: 'guessed' });
    try {
      await expect(idp.send(operations.ListUsers())).rejects.toMatchObject({
        name: 'InvalidSignatureException',
      });
    } finally {
      idp.destroy();
    }
  });

  it('the admin keys are allowed', async () => {
    const idp = idpWith(stack.adminCredentials);
    try {
      const created = await idp.send(operations.AdminCreateUser());
      expect(created.User?.Username).toBeTruthy();
      const users = await idp.send(operations.ListUsers());
      expect(users.Users?.map((user) => user.Attributes?.find((a) => a.Name === 'email')?.Value)).toContain(
        stack.outputs.DemoUsers[0]?.username,
      );
    } finally {
      idp.destroy();
    }
  });
});

describe('user pool: sign-in is public, with any standard client', () => {
  it('InitiateAuth USER_PASSWORD_AUTH with the JS SDK, no credentials: tokens signed with our key', async () => {
    const [, bob] = stack.outputs.DemoUsers;
    const { idToken: token } = await signInWithPassword(
      localAppClient(stack.outputs),
      bob ?? { username: '', password: '' },
    );
    expect(decodeJwtPart(token, 0).kid).toBe(stack.userPoolSigningKey.kid);
  });

  it('InitiateAuth USER_SRP_AUTH is passed through (moto answers the PASSWORD_VERIFIER challenge)', async () => {
    const [alice] = stack.outputs.DemoUsers;
    const idp = idpWith();
    try {
      const started = await idp.send(
        new InitiateAuthCommand({
          ClientId: stack.outputs.UserPoolClientId,
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: alice?.username ?? '', SRP_A: 'a'.repeat(256) },
        }),
      );
      expect(started.ChallengeName).toBe('PASSWORD_VERIFIER');
    } finally {
      idp.destroy();
    }
  });

  it('boto3: initiate_auth unsigned works, list_users unsigned is refused', async () => {
    const [alice] = stack.outputs.DemoUsers;
    const script = [
      'import boto3, json, sys',
      'from botocore import UNSIGNED',
      'from botocore.config import Config',
      'from botocore.exceptions import ClientError',
      'o = json.loads(sys.argv[1])',
      "c = boto3.client('cognito-idp', region_name=o['Region'], endpoint_url=o['CognitoIdpEndpoint'], config=Config(signature_version=UNSIGNED))",
      "r = c.initiate_auth(ClientId=o['UserPoolClientId'], AuthFlow='USER_PASSWORD_AUTH', AuthParameters={'USERNAME': sys.argv[2], 'PASSWORD': sys.argv[3]})",
      "print('token' if r['AuthenticationResult']['IdToken'] else 'none')",
      'try:',
      "    c.list_users(UserPoolId=o['UserPoolId'])",
      "    print('listed')",
      'except ClientError as e:',
      "    print(e.response['Error']['Code'])",
    ].join('\n');
    const { stdout } = await run('python3', [
      '-c',
      script,
      JSON.stringify(stack.outputs),
      alice?.username ?? '',
      alice?.password ?? '',
    ]);
    expect(stdout.trim().split('\n')).toEqual(['token', 'MissingAuthenticationTokenException']);
  });
});

describe('DynamoDB: only the function, only GetItem/PutItem on its table', () => {
  const key = { id: { S: 'pool#sub' } };

  it('unsigned: MissingAuthenticationTokenException', async () => {
    await expect(
      unsigned(stack.outputs.DynamoDbEndpoint, 'DynamoDB_20120810.Scan', { TableName: TABLE }),
    ).resolves.toEqual({ status: 403, type: 'MissingAuthenticationTokenException' });
  });

  it('unknown keys: UnrecognizedClientException; a wrong secret: InvalidSignatureException', async () => {
    const strangers = dynamoWith(unknownKeys);
    const guesser = dynamoWith({ accessKeyId: functionCredentials.accessKeyId, secretAccessKey: 'guessed' });
    try {
      await expect(strangers.send(new GetItemCommand({ TableName: TABLE, Key: key }))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
      await expect(guesser.send(new GetItemCommand({ TableName: TABLE, Key: key }))).rejects.toMatchObject({
        name: 'InvalidSignatureException',
      });
    } finally {
      strangers.destroy();
      guesser.destroy();
    }
  });

  it("a user's identity credentials: AccessDeniedException", async () => {
    const dynamo = dynamoWith(userCredentials);
    try {
      await expect(dynamo.send(new GetItemCommand({ TableName: TABLE, Key: key }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    } finally {
      dynamo.destroy();
    }
  });

  it('the function may GetItem/PutItem its table, and nothing else', async () => {
    const dynamo = dynamoWith(functionCredentials);
    try {
      await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: { ...key, identityId: { S: 'x' } } }));
      const got = await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: key }));
      expect(got.Item?.identityId?.S).toBe('x');
      for (const command of [
        new ScanCommand({ TableName: TABLE }),
        new DeleteTableCommand({ TableName: TABLE }),
        new GetItemCommand({ TableName: 'another-table', Key: key }),
      ]) {
        await expect(dynamo.send(command as GetItemCommand)).rejects.toMatchObject({
          name: 'AccessDeniedException',
        });
      }
    } finally {
      dynamo.destroy();
    }
  });
});

describe('DynamoDB: BatchGetItem (the names on shares) on the ledger only, by the function only', () => {
  const person = { pk: { S: 'us-east-1:00000000-0000-4000-8000-000000000000' }, sk: { S: 'person' } };
  const batchGet = (tables: Record<string, Record<string, { S: string }>>) =>
    new BatchGetItemCommand({
      RequestItems: Object.fromEntries(
        Object.entries(tables).map(([table, Key]) => [table, { Keys: [Key] }]),
      ),
    });

  it('the function reads the ledger in one batch, and is refused any batch naming another table', async () => {
    const ledger = stack.outputs.LedgerTable;
    const dynamo = dynamoWith(functionCredentials);
    try {
      const got = await dynamo.send(batchGet({ [ledger]: person }));
      expect(got.Responses?.[ledger]).toEqual([]);
      for (const tables of [
        { [TABLE]: { id: { S: 'pool#sub' } } },
        { [ledger]: person, [TABLE]: { id: { S: 'x' } } },
      ]) {
        await expect(dynamo.send(batchGet(tables))).rejects.toMatchObject({
          name: 'AccessDeniedException',
          message: expect.stringContaining('dynamodb:BatchGetItem'),
        });
      }
    } finally {
      dynamo.destroy();
    }
  });

  it("a user's identity credentials: AccessDeniedException", async () => {
    const dynamo = dynamoWith(userCredentials);
    try {
      await expect(dynamo.send(batchGet({ [stack.outputs.LedgerTable]: person }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    } finally {
      dynamo.destroy();
    }
  });
});

describe('a token signed with the key moto ships in its package (public) is refused', () => {
  let forged: string;
  beforeAll(() => {
    const now = Math.floor(Date.now() / 1000);
    forged = signJwt(
      motoBuiltInSigningKey(),
      { kid: 'dummy', alg: 'RS256' },
      { ...decodeJwtPart(idToken, 1), iat: now, auth_time: now, exp: now + 3600 },
    );
  });

  it('by the API: 401', async () => {
    const response = await fetch(`${stack.outputs.ApiUrl}me`, { headers: { Authorization: forged } });
    await response.arrayBuffer();
    expect(response.status).toBe(401);
  });

  it('by the identity service: NotAuthorizedException', async () => {
    const { outputs } = stack;
    const identity = new CognitoIdentityClient({
      region: outputs.Region,
      endpoint: outputs.CognitoIdentityEndpoint,
    });
    try {
      await expect(
        identity.send(
          new GetIdCommand({
            IdentityPoolId: outputs.IdentityPoolId,
            Logins: { [`cognito-idp.${outputs.Region}.amazonaws.com/${outputs.UserPoolId}`]: forged },
          }),
        ),
      ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    } finally {
      identity.destroy();
    }
  });
});
