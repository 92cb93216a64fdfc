/**
 * The KMS door on a whole local stack: the API function's keys may GenerateDataKey and Decrypt on
 * the session key with exactly the session context, and nothing else; every other caller is
 * refused as KMS refuses, and moto's KMS is reached only through the door.
 */
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';
import { SESSION_KEY_CONTEXT } from '../../../shared/contract/grants';
import { localAppClient, signInWithPassword } from '../../support/sign-in';

let stack: LocalStack;
let sessionKeyId: string;
let userCredentials: AwsCredentialIdentity;

beforeAll(async () => {
  // Direct mode: users can get identity credentials, which the door must refuse.
  stack = await startLocalStack({ quiet: true, accessMode: 'direct' });
  const { outputs } = stack;
  // loadHandler put the function's environment into this process: the key it was configured with.
  sessionKeyId = process.env.SESSION_KEY_ID ?? '';
  const [alice] = outputs.DemoUsers;
  if (!alice) throw new Error('a demo user expected');
  const { idToken } = await signInWithPassword(localAppClient(outputs), alice);
  userCredentials = await fromCognitoIdentityPool({
    identityPoolId: outputs.IdentityPoolId,
    logins: { [`cognito-idp.${outputs.Region}.amazonaws.com/${outputs.UserPoolId}`]: idToken },
    clientConfig: { region: outputs.Region, endpoint: outputs.CognitoIdentityEndpoint },
  })();
});

afterAll(async () => {
  await stack?.stop();
});

const kmsWith = (credentials: AwsCredentialIdentity) =>
  new KMSClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.KmsEndpoint,
    credentials,
    maxAttempts: 1,
  });

async function using<T>(credentials: AwsCredentialIdentity, work: (kms: KMSClient) => Promise<T>) {
  const kms = kmsWith(credentials);
  try {
    return await work(kms);
  } finally {
    kms.destroy();
  }
}

const context = { ...SESSION_KEY_CONTEXT };
const dataKey = (kms: KMSClient, input: Partial<GenerateDataKeyCommand['input']> = {}) =>
  kms.send(
    new GenerateDataKeyCommand({
      KeyId: sessionKeyId,
      KeySpec: 'AES_256',
      EncryptionContext: context,
      ...input,
    }),
  );
const denied = (action: string) => ({
  name: 'AccessDeniedException',
  message: expect.stringContaining(`kms:${action}`),
});

describe('the API function on the session key', () => {
  it('is configured with the stack session key and table', () => {
    expect(sessionKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(process.env.SESSION_TABLE).toBe(stack.outputs.SessionTable);
    expect(process.env.AWS_ENDPOINT_URL_KMS).toBe(stack.outputs.KmsEndpoint);
  });

  it('GenerateDataKey then Decrypt with the session context: the same 32-byte key', async () => {
    await using(stack.functionCredentials, async (kms) => {
      const generated = await dataKey(kms);
      expect(generated.Plaintext?.length).toBe(32);
      const decrypted = await kms.send(
        new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }),
      );
      expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(Buffer.from(generated.Plaintext ?? []));
      expect(decrypted.KeyId).toContain(sessionKeyId);
    });
  });

  it('GenerateDataKey with another context, or none: AccessDeniedException', async () => {
    await using(stack.functionCredentials, async (kms) => {
      await expect(dataKey(kms, { EncryptionContext: { purpose: 'other' } })).rejects.toMatchObject(
        denied('GenerateDataKey'),
      );
      await expect(dataKey(kms, { EncryptionContext: { ...context, extra: 'x' } })).rejects.toMatchObject(
        denied('GenerateDataKey'),
      );
      await expect(dataKey(kms, { EncryptionContext: undefined })).rejects.toMatchObject(
        denied('GenerateDataKey'),
      );
    });
  });

  it('Decrypt with a changed context or none: AccessDeniedException; a tampered blob: InvalidCiphertextException', async () => {
    await using(stack.functionCredentials, async (kms) => {
      const { CiphertextBlob: blob } = await dataKey(kms);
      if (!blob) throw new Error('a ciphertext expected');
      for (const changed of [{ purpose: 'other' }, undefined]) {
        await expect(
          kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: changed })),
        ).rejects.toMatchObject(denied('Decrypt'));
      }
      const tampered = Uint8Array.from(blob);
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
      await expect(
        kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })),
      ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    });
  });

  it('another key: AccessDeniedException', async () => {
    const other = await using(stack.adminCredentials, (kms) => kms.send(new CreateKeyCommand({})));
    const otherId = other.KeyMetadata?.KeyId ?? '';
    expect(otherId).not.toBe(sessionKeyId);
    await using(stack.functionCredentials, async (kms) => {
      await expect(dataKey(kms, { KeyId: otherId })).rejects.toMatchObject(denied('GenerateDataKey'));
      await expect(dataKey(kms, { KeyId: other.KeyMetadata?.Arn })).rejects.toMatchObject(
        denied('GenerateDataKey'),
      );
    });
  });

  it('other operations (Encrypt, ScheduleKeyDeletion, CreateGrant, DescribeKey): AccessDeniedException', async () => {
    await using(stack.functionCredentials, async (kms) => {
      const commands = {
        Encrypt: new EncryptCommand({
          KeyId: sessionKeyId,
          Plaintext: Buffer.from('x'),
          EncryptionContext: context,
        }),
        ScheduleKeyDeletion: new ScheduleKeyDeletionCommand({ KeyId: sessionKeyId, PendingWindowInDays: 7 }),
        CreateGrant: new CreateGrantCommand({
          KeyId: sessionKeyId,
          GranteePrincipal: 'arn:aws:iam::000000000000:role/mallory',
          Operations: ['Decrypt'],
        }),
        DescribeKey: new DescribeKeyCommand({ KeyId: sessionKeyId }),
      };
      for (const [name, command] of Object.entries(commands)) {
        await expect(kms.send(command as EncryptCommand), name).rejects.toMatchObject(denied(name));
      }
    });
  });
});

describe('everyone else is refused', () => {
  it('unsigned: MissingAuthenticationTokenException', async () => {
    const response = await fetch(stack.outputs.KmsEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.GenerateDataKey',
      },
      body: JSON.stringify({ KeyId: sessionKeyId, KeySpec: 'AES_256', EncryptionContext: context }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { __type?: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );
  });

  it('keys the stack never issued: UnrecognizedClientException', async () => {
    const strangers = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'not-a-secret-of-this-stack' };
    await using(strangers, async (kms) => {
      await expect(dataKey(kms)).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    });
  });

  it("a user's identity credentials and the events function's keys: AccessDeniedException", async () => {
    for (const credentials of [userCredentials, stack.eventsCredentials]) {
      await using(credentials, async (kms) => {
        await expect(dataKey(kms)).rejects.toMatchObject(denied('GenerateDataKey'));
      });
    }
  });

  it('a Decrypt of a real session blob by the events function: AccessDeniedException', async () => {
    const { CiphertextBlob: blob } = await using(stack.functionCredentials, (kms) => dataKey(kms));
    await using(stack.eventsCredentials, async (kms) => {
      await expect(
        kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context })),
      ).rejects.toMatchObject(denied('Decrypt'));
    });
  });

  it('the admin keys may inspect the session key (rotation on), not use it', async () => {
    await using(stack.adminCredentials, async (kms) => {
      const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: sessionKeyId }));
      expect(rotation.KeyRotationEnabled).toBe(true);
      await expect(dataKey(kms)).rejects.toMatchObject(denied('GenerateDataKey'));
    });
  });

  it("moto's own API is not served by the door", async () => {
    for (const path of ['/moto-api/', '/moto-api/data.json', '/moto-api/reset']) {
      const response = await fetch(`${stack.outputs.KmsEndpoint}${path}`, {
        method: path.endsWith('reset') ? 'POST' : 'GET',
      });
      await response.arrayBuffer();
      expect(response.status, path).toBe(404);
    }
  });
});
