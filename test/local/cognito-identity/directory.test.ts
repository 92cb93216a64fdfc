/**
 * The identity directory on the local stack: the handler records each caller's identity ID in the
 * table (through the DynamoDB gateway, with the function's own keys), and a request's presigned URL
 * is still signed with the caller's own credentials, never with the function's keys.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';
import { localAppClient, signInWithPassword } from '../../support/sign-in';

let stack: LocalStack;

beforeAll(async () => {
  // The directory is direct mode's: sealed mode learns identity IDs from the developer login.
  stack = await startLocalStack({ quiet: true, accessMode: 'direct' });
});

afterAll(async () => {
  await stack?.stop();
});

it('records the identity ID in the table and signs URLs with the caller’s own credentials', async () => {
  const { outputs } = stack;
  const [alice] = outputs.DemoUsers;
  if (!alice) throw new Error('a demo user expected');
  const dynamo = new DynamoDBClient({
    region: outputs.Region,
    endpoint: outputs.DynamoDbEndpoint,
    credentials: stack.adminCredentials,
  });
  // The handler's environment (set in this process when the stack loaded it): the function's keys.
  const functionKey = process.env.AWS_ACCESS_KEY_ID;
  expect(functionKey).toMatch(/^AKIA/);
  try {
    const { idToken } = await signInWithPassword(localAppClient(outputs), alice);
    const headers = { Authorization: `Bearer ${idToken}`, 'Content-Type': 'application/json' };
    const me = await fetch(`${outputs.ApiUrl}me`, { headers });
    expect(me.status).toBe(200);
    const { identityId, sub } = (await me.json()) as { identityId: string; sub: string };

    const entry = await dynamo.send(
      new GetItemCommand({
        TableName: 'user-files-local-identity-directory',
        Key: { id: { S: `${outputs.UserPoolId}#${sub}` } },
      }),
    );
    expect(entry.Item?.identityId?.S).toBe(identityId);

    const upload = await fetch(`${outputs.ApiUrl}files/uploads`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ level: 'private', key: 'directory.txt', contentType: 'text/plain', size: 1 }),
    });
    expect(upload.status).toBe(201);
    const { url } = (await upload.json()) as { url: string };
    const credential = new URL(url).searchParams.get('X-Amz-Credential') ?? '';
    expect(credential).not.toBe('');
    expect(credential).not.toContain(String(functionKey));
  } finally {
    dynamo.destroy();
  }
});
