/**
 * The KMS door's parsing and authorization without a server: what moto would be sent, and what is
 * refused before it, for inputs no SDK sends.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_ARN, type Caller, EVENTS_FUNCTION_ARN, FUNCTION_ARN } from '../../../local/core/aws-json';
import { authorizeKeyUse, checkOperation } from '../../../local/kms/authorize';
import { PARSERS } from '../../../local/kms/requests';
import { SESSION_KEY_CONTEXT } from '../../../shared/contract/grants';

const REGION = 'us-east-1';
const KEY = { id: '11111111-2222-3333-4444-555555555555', arn: '' };
KEY.arn = `arn:aws:kms:${REGION}:000000000000:key/${KEY.id}`;
const fn: Caller = { kind: 'function', arn: FUNCTION_ARN };
const events: Caller = { kind: 'events', arn: EVENTS_FUNCTION_ARN };
const admin: Caller = { kind: 'admin', arn: ADMIN_ARN };

const parse = (operation: string, input: Record<string, unknown>) => {
  const parser = PARSERS.get(operation);
  if (!parser) throw new Error(`no parser for ${operation}`);
  return parser(input);
};
/** A moto-shaped ciphertext of `keyId`: the key ID, then IV, tag and some ciphertext. */
const blobOf = (keyId: string) =>
  Buffer.concat([Buffer.from(keyId), Buffer.alloc(12 + 16 + 48, 7)]).toString('base64');
const generate = (input: Record<string, unknown> = {}) =>
  parse('GenerateDataKey', {
    KeyId: KEY.id,
    KeySpec: 'AES_256',
    EncryptionContext: SESSION_KEY_CONTEXT,
    ...input,
  });

describe('parsing', () => {
  it('rebuilds GenerateDataKey from its parsed fields; authorization adds the session key ID', () => {
    const request = generate({ KeyId: KEY.arn });
    expect(authorizeKeyUse(fn, 'GenerateDataKey', request, KEY, REGION)).toEqual({
      KeyId: KEY.id,
      KeySpec: 'AES_256',
      EncryptionContext: { ...SESSION_KEY_CONTEXT },
    });
  });

  it.each(['GrantTokens', 'DryRun', 'Recipient', 'Unknown'])(
    'refuses the member %s rather than drop it',
    (member) => {
      expect(() => generate({ [member]: member === 'DryRun' ? true : ['x'] })).toThrow(
        expect.objectContaining({ type: 'ValidationException' }),
      );
    },
  );

  it('refuses both or neither of KeySpec and NumberOfBytes, and a bad value of either', () => {
    for (const input of [
      { NumberOfBytes: 32 },
      { KeySpec: undefined },
      { KeySpec: 'AES_512' },
      { KeySpec: undefined, NumberOfBytes: 0 },
      { KeySpec: undefined, NumberOfBytes: 1.5 },
    ]) {
      expect(() => generate(input), JSON.stringify(input)).toThrow(
        expect.objectContaining({ type: 'ValidationException' }),
      );
    }
  });

  it('a ciphertext too short to name a key: InvalidCiphertextException; not base64: ValidationException', () => {
    expect(() => parse('Decrypt', { CiphertextBlob: Buffer.alloc(64).toString('base64') })).toThrow(
      expect.objectContaining({ type: 'InvalidCiphertextException' }),
    );
    expect(() => parse('Decrypt', { CiphertextBlob: 'not base64!' })).toThrow(
      expect.objectContaining({ type: 'ValidationException' }),
    );
  });

  it('serves no operation by a name Object.prototype holds', () => {
    expect(PARSERS.get('constructor')).toBeUndefined();
    expect(() => checkOperation(admin, 'constructor', KEY.id, REGION)).toThrow(
      expect.objectContaining({ type: 'AccessDeniedException' }),
    );
  });
});

describe('authorization of the function', () => {
  const refused = expect.objectContaining({ type: 'AccessDeniedException' });

  it('an encryption context with an extra `__proto__` pair is not the session context', () => {
    const context = JSON.parse(`{"purpose":"${SESSION_KEY_CONTEXT.purpose}","__proto__":"x"}`) as unknown;
    expect(() =>
      authorizeKeyUse(fn, 'GenerateDataKey', generate({ EncryptionContext: context }), KEY, REGION),
    ).toThrow(refused);
  });

  it('Decrypt: the key the blob names must be the session key, whatever KeyId says', () => {
    const other = '99999999-2222-3333-4444-555555555555';
    const decrypt = (blobKey: string, keyId?: string) =>
      parse('Decrypt', {
        CiphertextBlob: blobOf(blobKey),
        EncryptionContext: SESSION_KEY_CONTEXT,
        ...(keyId ? { KeyId: keyId } : {}),
      });
    expect(authorizeKeyUse(fn, 'Decrypt', decrypt(KEY.id), KEY, REGION)).toMatchObject({ KeyId: KEY.id });
    expect(() => authorizeKeyUse(fn, 'Decrypt', decrypt(other), KEY, REGION)).toThrow(refused);
    expect(() => authorizeKeyUse(fn, 'Decrypt', decrypt(other, KEY.id), KEY, REGION)).toThrow(refused);
    expect(() => authorizeKeyUse(fn, 'Decrypt', decrypt(KEY.id, other), KEY, REGION)).toThrow(refused);
  });

  it('before the bootstrap made the session key, no key at all', () => {
    expect(() => authorizeKeyUse(fn, 'GenerateDataKey', generate(), undefined, REGION)).toThrow(refused);
  });

  it('other callers may not even reach the parsing', () => {
    expect(() => checkOperation(events, 'GenerateDataKey', KEY.id, REGION)).toThrow(refused);
    expect(() => checkOperation(fn, 'CreateKey', undefined, REGION)).toThrow(refused);
    expect(() => checkOperation(admin, 'Decrypt', KEY.id, REGION)).toThrow(refused);
  });
});
