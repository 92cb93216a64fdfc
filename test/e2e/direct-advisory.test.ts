/**
 * Direct mode (the e2e-direct project): the AWS CLI lab of docs/access-modes.md works, so a rule the API applies
 * (here: no overwrite of an existing key) is advisory; isolation still holds by IAM.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityCredentials, type Session, signIn, storageAs } from './support/session';
import { runPrefix } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();

let alice: Session;

beforeAll(async () => {
  if (target.accessMode !== 'direct') throw new Error('this file needs a direct-mode target');
  alice = await signIn(target, target.users[0]);
});

/** Stores `key` through the API (an upload URL, then the PUT it allows). */
async function uploadThroughApi(key: string, body: string) {
  const { data } = await alice.api.POST('/files/uploads', {
    body: { level: 'private', key, contentType: 'text/plain', size: Buffer.byteLength(body) },
  });
  if (!data) throw new Error('upload URL refused');
  const put = await fetch(data.url, { method: data.method, headers: data.headers, body });
  expect(put.status).toBe(200);
}

describe('direct mode', () => {
  it("lets the user's own identity credentials write what the API would refuse (the API's rules are advisory)", async () => {
    const key = `${runPrefix('advisory')}taken.txt`;
    await uploadThroughApi(key, 'first');
    // The API refuses to overwrite it...
    const refused = await alice.api.POST('/files/uploads', {
      body: { level: 'private', key, contentType: 'text/plain', size: 6, overwrite: false },
    });
    expect(refused.response.status).toBe(409);
    // ...but the docs' lab gets the user credentials that storage accepts for their own folder.
    const own = await identityCredentials(target, alice.idToken);
    expect(own.identityId).toBe(alice.identityId);
    const s3 = storageAs(target, own);
    const fullKey = `private/${alice.identityId}/${key}`;
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucketName,
        Key: fullKey,
        Body: '<h1>x</h1>',
        ContentType: 'text/html',
      }),
    );
    const read = await s3.send(new GetObjectCommand({ Bucket: target.bucketName, Key: fullKey }));
    expect(read.ContentType).toBe('text/html');
    s3.destroy();
  });
});
