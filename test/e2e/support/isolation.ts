/**
 * Storage-level isolation probes: one identity's own credentials used, with any standard S3 client,
 * on another identity's folders. Each answers what storage did ('allowed' or 'denied'), so the same
 * probes prove isolation on the real stack and prove, on a stack whose policy lost its identity
 * variable, that isolation is then gone: the tests can fail.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { IdentityCredentials } from './session';
import { storageAs } from './session';
import type { E2eTarget } from './target';

export type Outcome = 'allowed' | 'denied';

export interface VictimFiles {
  readonly identityId: string;
  /** Full S3 keys of objects the victim stored in its own folders. */
  readonly privateKey: string;
  readonly protectedKey: string;
  readonly publicKey: string;
  readonly privateBody: string;
}

/** The victim stores one object per level with its own credentials (allowed by either policy). */
export async function seedVictim(
  target: E2eTarget,
  victim: IdentityCredentials,
  folder: string,
): Promise<VictimFiles> {
  const s3 = storageAs(target, victim);
  const files: VictimFiles = {
    identityId: victim.identityId,
    privateKey: `private/${victim.identityId}/${folder}secret.txt`,
    protectedKey: `protected/${victim.identityId}/${folder}shared.txt`,
    publicKey: `public/${victim.identityId}/${folder}open.txt`,
    privateBody: `private to ${victim.identityId}`,
  };
  try {
    for (const [key, body] of [
      [files.privateKey, files.privateBody],
      [files.protectedKey, 'protected'],
      [files.publicKey, 'public'],
    ] as const) {
      await s3.send(
        new PutObjectCommand({ Bucket: target.bucketName, Key: key, Body: body, ContentType: 'text/plain' }),
      );
    }
  } finally {
    s3.destroy();
  }
  return files;
}

async function outcome(operation: () => Promise<unknown>): Promise<Outcome> {
  try {
    await operation();
    return 'allowed';
  } catch (error) {
    if (
      error instanceof S3ServiceException &&
      error.$metadata.httpStatusCode === 403 &&
      error.name === 'AccessDenied'
    ) {
      return 'denied';
    }
    throw error;
  }
}

export interface CrossUserProbes {
  readPrivate: Outcome;
  /** The attacker signs a GET for the victim's private object and fetches it. */
  readPrivateByPresignedUrl: Outcome;
  /** Bytes read through that URL, when it worked. */
  leakedBody: string | undefined;
  listPrivateFolder: Outcome;
  overwritePublic: Outcome;
  deleteProtected: Outcome;
  writeIntoPrivateFolder: Outcome;
}

/** Every write, delete and private read of the victim's folders, tried with the attacker's credentials. */
export async function probeCrossUser(
  target: E2eTarget,
  attacker: IdentityCredentials,
  victim: VictimFiles,
): Promise<CrossUserProbes> {
  const s3 = storageAs(target, attacker);
  const Bucket = target.bucketName;
  try {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: victim.privateKey }), {
      expiresIn: 60,
    });
    const byUrl = await fetch(url);
    const leaked = byUrl.ok ? await byUrl.text() : undefined;
    if (!byUrl.ok) await byUrl.arrayBuffer();
    if (!byUrl.ok && byUrl.status !== 403)
      throw new Error(`unexpected status ${byUrl.status} for a presigned GET`);
    return {
      readPrivate: await outcome(() => s3.send(new GetObjectCommand({ Bucket, Key: victim.privateKey }))),
      readPrivateByPresignedUrl: byUrl.ok ? 'allowed' : 'denied',
      leakedBody: leaked,
      listPrivateFolder: await outcome(() =>
        s3.send(new ListObjectsV2Command({ Bucket, Prefix: `private/${victim.identityId}/` })),
      ),
      overwritePublic: await outcome(() =>
        s3.send(new PutObjectCommand({ Bucket, Key: victim.publicKey, Body: 'overwritten by another user' })),
      ),
      deleteProtected: await outcome(() =>
        s3.send(new DeleteObjectCommand({ Bucket, Key: victim.protectedKey })),
      ),
      writeIntoPrivateFolder: await outcome(() =>
        s3.send(
          new PutObjectCommand({ Bucket, Key: `private/${victim.identityId}/planted.txt`, Body: 'planted' }),
        ),
      ),
    };
  } finally {
    s3.destroy();
  }
}

export const ALL_DENIED: CrossUserProbes = {
  readPrivate: 'denied',
  readPrivateByPresignedUrl: 'denied',
  leakedBody: undefined,
  listPrivateFolder: 'denied',
  overwritePublic: 'denied',
  deleteProtected: 'denied',
  writeIntoPrivateFolder: 'denied',
};
