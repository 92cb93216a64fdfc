/**
 * The door's context check is not the only barrier: a data key encrypted under another context
 * (here minted in moto behind the door's back) does not decrypt through the door with the session
 * context, as moto binds the context into the ciphertext as KMS does.
 */
import { randomBytes } from 'node:crypto';
import { type Agent, request } from 'node:http';
import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ACCOUNT_ID } from '../../../local/core/aws-json';
import { type KmsGateway, type SessionKey, startKmsGateway } from '../../../local/kms/gateway';
import { type MotoServer, startMoto } from '../../../local/moto/moto';
import { SESSION_KEY_CONTEXT } from '../../../shared/contract/grants';

const REGION = 'us-east-1';
const keys = () => ({
  accessKeyId: `AKIATEST${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
});
const admin = keys();
const fn = keys();

let moto: MotoServer;
let door: KmsGateway;
let sessionKey: SessionKey | undefined;

beforeAll(async () => {
  moto = await startMoto();
  door = await startKmsGateway({
    moto,
    principals: { admin, function: fn },
    sessionKey: () => sessionKey,
    region: REGION,
  });
  const kms = new KMSClient({ region: REGION, endpoint: door.url, credentials: admin });
  const created = await kms.send(new CreateKeyCommand({}));
  kms.destroy();
  sessionKey = { id: created.KeyMetadata?.KeyId ?? '', arn: created.KeyMetadata?.Arn ?? '' };
});

afterAll(async () => {
  await door?.close();
  await moto?.close();
});

/** A KMS call straight to moto on its socket, in the door's account: what no caller can do. */
function callMoto(agent: Agent, operation: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      {
        agent,
        method: 'POST',
        path: '/',
        headers: {
          host: `kms.${REGION}.amazonaws.com`,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `TrentService.${operation}`,
          'x-moto-account-id': ACCOUNT_ID,
          authorization: `AWS4-HMAC-SHA256 Credential=test/20000101/${REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
        },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      },
    );
    upstream.on('error', reject);
    upstream.end(JSON.stringify(body));
  });
}

it('a blob of the session key under another context does not decrypt with the session context', async () => {
  const kms = new KMSClient({ region: REGION, endpoint: door.url, credentials: fn, maxAttempts: 1 });
  try {
    for (const [purpose, outcome] of [
      [SESSION_KEY_CONTEXT.purpose, undefined],
      ['changed', 'InvalidCiphertextException'],
    ] as const) {
      const minted = await callMoto(moto.agent, 'GenerateDataKey', {
        KeyId: sessionKey?.id,
        KeySpec: 'AES_256',
        EncryptionContext: { purpose },
      });
      const blob = Buffer.from(String(minted.CiphertextBlob), 'base64');
      const decrypt = kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { ...SESSION_KEY_CONTEXT } }),
      );
      // The control: the same blob under the session context decrypts, so the refusal is the context's.
      if (outcome === undefined)
        await expect(decrypt).resolves.toMatchObject({ Plaintext: expect.anything() });
      else await expect(decrypt).rejects.toMatchObject({ name: outcome });
    }
  } finally {
    kms.destroy();
  }
});
