/**
 * The session store's KMS data keys, per instance: one current key generated per interval (every
 * item written meanwhile is sealed with it), and a bounded LRU of plaintext keys by their encrypted
 * copy, so `Decrypt` runs once per distinct data key per instance, never per user. Both load single
 * flight, so a burst of first requests makes one KMS call.
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ExpiringCache } from '../../../shared/cache/expiring-cache';
import { SESSION_KEY_CONTEXT } from '../../../shared/contract/grants';

/** AES-256: the only key size the store seals with. */
export const DATA_KEY_BYTES = 32;

export interface DataKey {
  readonly plaintext: Buffer;
  /** The KMS-encrypted copy stored beside each item it sealed. */
  readonly encrypted: Uint8Array;
}

export interface DataKeys {
  /** The key to seal with now, generated when the current one is older than the interval. */
  current(): Promise<DataKey>;
  /** The plaintext of a stored encrypted copy: cached, else `Decrypt`. */
  plaintextOf(encrypted: Uint8Array): Promise<Buffer>;
}

export interface DataKeysOptions {
  readonly kms: KMSClient;
  readonly keyId: string;
  readonly now: () => number;
  readonly ttlMs: number;
  readonly maxKeys: number;
}

const cacheKey = (encrypted: Uint8Array) => Buffer.from(encrypted).toString('base64');

function checkedKey(plaintext: Uint8Array | undefined): Buffer {
  if (plaintext?.length !== DATA_KEY_BYTES) throw new Error('KMS returned no 256-bit data key');
  return Buffer.from(plaintext);
}

export function createDataKeys(options: DataKeysOptions): DataKeys {
  const { kms, keyId, now } = options;
  const plaintexts = new ExpiringCache<string, Buffer>({ max: options.maxKeys, now });
  const current = new ExpiringCache<'current', DataKey & { readonly createdAt: number }>({
    max: 1,
    now,
    expiresAt: (key) => key.createdAt + options.ttlMs,
  });

  async function generate() {
    const output = await kms.send(
      new GenerateDataKeyCommand({
        KeyId: keyId,
        KeySpec: 'AES_256',
        EncryptionContext: SESSION_KEY_CONTEXT,
      }),
    );
    if (output.CiphertextBlob === undefined) throw new Error('KMS returned no encrypted data key');
    const key = {
      plaintext: checkedKey(output.Plaintext),
      encrypted: output.CiphertextBlob,
      createdAt: now(),
    };
    // This instance opens what it sealed itself without asking KMS.
    await plaintexts.get(cacheKey(key.encrypted), async () => key.plaintext);
    return key;
  }

  return {
    current: () => current.get('current', generate),
    plaintextOf: (encrypted) =>
      plaintexts.get(cacheKey(encrypted), async () => {
        const output = await kms.send(
          new DecryptCommand({
            CiphertextBlob: encrypted,
            // Only our key, and only data keys made for sessions, are ever accepted.
            KeyId: keyId,
            EncryptionContext: SESSION_KEY_CONTEXT,
          }),
        );
        return checkedKey(output.Plaintext);
      }),
  };
}
