/**
 * The KMS requests the local door serves, parsed once into what authorization reads (the key, the
 * encryption context) and the body moto gets, rebuilt from the parsed fields alone. A member an
 * operation does not list here is refused rather than dropped, so moto never acts on more or less
 * than what was checked.
 */
import { AwsJsonError } from '../core/aws-json';

/** One parsed request: the key it names, its encryption context, and what moto is sent. */
export interface KmsRequest {
  /** `KeyId` as given (a key ID, key ARN or alias); undefined for `CreateKey`. */
  readonly keyId: string | undefined;
  /** Decrypt: the key whose ciphertext it is, read from the blob (as KMS reads the blob's metadata). */
  readonly blobKeyId?: string;
  /** Undefined: the request carries none. */
  readonly encryptionContext: Readonly<Record<string, string>> | undefined;
  /** The body for moto, without `KeyId` (the authorizer sets the key it resolved). */
  readonly body: Readonly<Record<string, unknown>>;
}

type Input = Readonly<Record<string, unknown>>;

const validation = (message: string) => new AwsJsonError('ValidationException', message);

/** KMS's limits: a key identifier up to 2048 characters, a ciphertext up to 6144 bytes. */
const MAX_KEY_ID_LENGTH = 2048;
const MAX_CIPHERTEXT_BYTES = 6144;
/** moto's ciphertext starts with the 36-character key ID (then a 12-byte IV and a 16-byte tag). */
const MOTO_BLOB_KEY_ID_LENGTH = 36;
const MOTO_BLOB_HEADER_BYTES = MOTO_BLOB_KEY_ID_LENGTH + 12 + 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function onlyMembers(input: Input, allowed: readonly string[]): void {
  for (const member of Object.keys(input)) {
    if (!allowed.includes(member)) {
      throw validation(`The local KMS door does not support the member ${member} here.`);
    }
  }
}

function keyIdOf(input: Input, required: boolean): string | undefined {
  const value = input.KeyId;
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_KEY_ID_LENGTH) {
    throw validation('KeyId must be a key ID, key ARN, alias name or alias ARN (1 to 2048 characters).');
  }
  return value;
}

function encryptionContextOf(input: Input): Record<string, string> | undefined {
  const value = input.EncryptionContext;
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validation('EncryptionContext must be a map of strings.');
  }
  const entries = Object.entries(value);
  if (entries.some(([, entry]) => typeof entry !== 'string')) {
    throw validation('EncryptionContext must be a map of strings.');
  }
  // fromEntries keeps every pair as an own property (even `__proto__`), so none is lost or hidden.
  return Object.fromEntries(entries) as Record<string, string>;
}

function generateDataKey(input: Input): KmsRequest {
  onlyMembers(input, ['KeyId', 'EncryptionContext', 'KeySpec', 'NumberOfBytes']);
  const { KeySpec: keySpec, NumberOfBytes: bytes } = input;
  if ((keySpec === undefined) === (bytes === undefined)) {
    throw validation('Please specify either number of bytes or key spec.');
  }
  if (keySpec !== undefined && keySpec !== 'AES_256' && keySpec !== 'AES_128') {
    throw validation('KeySpec must be AES_256 or AES_128.');
  }
  if (
    bytes !== undefined &&
    (!Number.isInteger(bytes) || (bytes as number) < 1 || (bytes as number) > 1024)
  ) {
    throw validation('NumberOfBytes must be a whole number from 1 to 1024.');
  }
  const encryptionContext = encryptionContextOf(input);
  return {
    keyId: keyIdOf(input, true),
    encryptionContext,
    body: {
      ...(keySpec === undefined ? { NumberOfBytes: bytes } : { KeySpec: keySpec }),
      ...(encryptionContext ? { EncryptionContext: encryptionContext } : {}),
    },
  };
}

function decrypt(input: Input): KmsRequest {
  onlyMembers(input, ['CiphertextBlob', 'EncryptionContext', 'KeyId', 'EncryptionAlgorithm']);
  const blob = input.CiphertextBlob;
  if (typeof blob !== 'string' || blob === '' || !BASE64.test(blob)) {
    throw validation('CiphertextBlob must be base64.');
  }
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length > MAX_CIPHERTEXT_BYTES) {
    throw validation('CiphertextBlob must be at most 6144 bytes.');
  }
  if (bytes.length <= MOTO_BLOB_HEADER_BYTES) {
    throw new AwsJsonError('InvalidCiphertextException', 'The ciphertext is invalid.');
  }
  const algorithm = input.EncryptionAlgorithm;
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw validation('EncryptionAlgorithm must be SYMMETRIC_DEFAULT for a symmetric key.');
  }
  const encryptionContext = encryptionContextOf(input);
  return {
    keyId: keyIdOf(input, false),
    blobKeyId: bytes.subarray(0, MOTO_BLOB_KEY_ID_LENGTH).toString('latin1'),
    encryptionContext,
    body: {
      CiphertextBlob: bytes.toString('base64'),
      ...(algorithm === undefined ? {} : { EncryptionAlgorithm: algorithm }),
      ...(encryptionContext ? { EncryptionContext: encryptionContext } : {}),
    },
  };
}

/** The bootstrap's key: symmetric, for encryption, with a description at most. */
function createKey(input: Input): KmsRequest {
  onlyMembers(input, ['Description', 'KeyUsage', 'KeySpec']);
  const { Description: description, KeyUsage: usage, KeySpec: spec } = input;
  if (description !== undefined && (typeof description !== 'string' || description.length > 8192)) {
    throw validation('Description must be a string of at most 8192 characters.');
  }
  if (usage !== undefined && usage !== 'ENCRYPT_DECRYPT') {
    throw validation('The local KMS door creates ENCRYPT_DECRYPT keys only.');
  }
  if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') {
    throw validation('The local KMS door creates SYMMETRIC_DEFAULT keys only.');
  }
  return {
    keyId: undefined,
    encryptionContext: undefined,
    body: {
      ...(description === undefined ? {} : { Description: description }),
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
    },
  };
}

/** EnableKeyRotation, DescribeKey, GetKeyRotationStatus: a key and nothing else. */
function keyOnly(input: Input): KmsRequest {
  onlyMembers(input, ['KeyId']);
  return { keyId: keyIdOf(input, true), encryptionContext: undefined, body: {} };
}

/** Every operation the door serves, by name; any other is refused before its input is read. */
export const PARSERS: ReadonlyMap<string, (input: Input) => KmsRequest> = new Map([
  ['GenerateDataKey', generateDataKey],
  ['Decrypt', decrypt],
  ['CreateKey', createKey],
  ['EnableKeyRotation', keyOnly],
  ['DescribeKey', keyOnly],
  ['GetKeyRotationStatus', keyOnly],
]);
