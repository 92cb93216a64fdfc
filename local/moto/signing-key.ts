/**
 * The key moto signs user-pool tokens with, generated at every start (RS256) and handed to the
 * launcher in a 0600 file, replacing the one moto ships in its package (public, so anyone could
 * mint accepted tokens).
 */
import { generateKeyPairSync, type JsonWebKey, type KeyObject, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

export interface SigningKey {
  readonly signingKey: KeyObject;
  readonly signingKeyId: string;
}

/** Writes `{kid, private: <JWK>, public: <JWKS>}` to `keyFile`, as launcher.py reads it. */
export async function writeSigningKey(keyFile: string): Promise<SigningKey> {
  const signingKeyId = randomBytes(12).toString('base64url');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk: JsonWebKey = {
    ...publicKey.export({ format: 'jwk' }),
    kid: signingKeyId,
    alg: 'RS256',
    use: 'sig',
  };
  await writeFile(
    keyFile,
    JSON.stringify({
      kid: signingKeyId,
      private: { ...privateKey.export({ format: 'jwk' }), kid: signingKeyId, alg: 'RS256' },
      public: { keys: [publicJwk] },
    }),
    { mode: 0o600 },
  );
  return { signingKey: privateKey, signingKeyId };
}
