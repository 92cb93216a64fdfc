/**
 * A stored session's item and its AES-256-GCM sealing (node:crypto). The credentials are the only
 * ciphertext; the additional authenticated data binds them to their owner (user pool, sub, identity)
 * and their expiry, so an item copied to another user's row, or edited, fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { isIdentityId } from '../../../shared/domain/keys';
import type { IdentityCredentials } from '../identity/types';

/** Whose session an item holds: the verified `sub` in the configured pool, never a request field. */
export interface SessionOwner {
  readonly userPoolId: string;
  readonly sub: string;
}

/**
 * The groups a session carries as tags, as one string (`design,ops`; empty: none): an item serves
 * only a request whose token carries the same groups, so a membership change mints afresh.
 */
export type GroupsKey = string;

/** One row per user: their latest session, whatever identity it is for. */
export const sessionItemId = (owner: SessionOwner) => `${owner.userPoolId}#${owner.sub}`;

// 2: the groups a session carries are bound too; items of format 1 are read as absent.
const FORMAT = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** An item as read back, before it is opened. */
export interface SealedSession {
  readonly identityId: string;
  readonly groups: GroupsKey;
  /** Epoch seconds: the credentials' expiry, and the table's TTL attribute. */
  readonly expiresAt: number;
  readonly encryptedKey: Uint8Array;
  readonly iv: Uint8Array;
  /** Ciphertext followed by the 16-byte GCM tag. */
  readonly data: Uint8Array;
}

const aad = (owner: SessionOwner, identityId: string, expiresAt: number, groups: GroupsKey) =>
  Buffer.from(JSON.stringify([FORMAT, owner.userPoolId, owner.sub, identityId, expiresAt, groups]));

export function seal(
  owner: SessionOwner,
  identityId: string,
  credentials: IdentityCredentials,
  key: { readonly plaintext: Buffer; readonly encrypted: Uint8Array },
  groups: GroupsKey = '',
): Record<string, AttributeValue> {
  const expiresAt = Math.floor(credentials.expiration.getTime() / 1000);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(owner, identityId, expiresAt, groups));
  const payload = JSON.stringify({ ...credentials, expiration: credentials.expiration.getTime() });
  const data = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    id: { S: sessionItemId(owner) },
    v: { N: String(FORMAT) },
    identityId: { S: identityId },
    groups: { S: groups },
    expiresAt: { N: String(expiresAt) },
    key: { B: key.encrypted },
    iv: { B: iv },
    data: { B: data },
  };
}

/** The item's fields, or undefined when it is not one this format wrote. */
export function readItem(item: Record<string, AttributeValue>): SealedSession | undefined {
  const expiresAt = Number(item.expiresAt?.N);
  const identityId = item.identityId?.S;
  const groups = item.groups?.S;
  const [encryptedKey, iv, data] = [item.key?.B, item.iv?.B, item.data?.B];
  // The identity ID becomes part of S3 keys: anything that is not one is no session.
  if (
    item.v?.N !== String(FORMAT) ||
    !Number.isSafeInteger(expiresAt) ||
    !isIdentityId(identityId) ||
    groups === undefined
  ) {
    return undefined;
  }
  if (
    encryptedKey === undefined ||
    iv?.length !== IV_BYTES ||
    data === undefined ||
    data.length <= TAG_BYTES
  ) {
    return undefined;
  }
  return { identityId, groups, expiresAt, encryptedKey, iv, data };
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The credentials, if the tag verifies for this owner and expiry; throws otherwise. */
export function open(owner: SessionOwner, sealed: SealedSession, plaintextKey: Buffer): IdentityCredentials {
  const decipher = createDecipheriv('aes-256-gcm', plaintextKey, sealed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(owner, sealed.identityId, sealed.expiresAt, sealed.groups));
  const body = sealed.data.subarray(0, sealed.data.length - TAG_BYTES);
  decipher.setAuthTag(sealed.data.subarray(sealed.data.length - TAG_BYTES));
  const text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const { accessKeyId, secretAccessKey, sessionToken, expiration, obtainedAt } = parsed;
  if (
    !isText(accessKeyId) ||
    !isText(secretAccessKey) ||
    !isText(sessionToken) ||
    typeof expiration !== 'number' ||
    Math.floor(expiration / 1000) !== sealed.expiresAt ||
    typeof obtainedAt !== 'number'
  ) {
    throw new TypeError('the sealed credentials are incomplete');
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(expiration), obtainedAt };
}
