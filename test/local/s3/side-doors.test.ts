/**
 * The gateway's side doors: requests whose parts the policy and moto could read differently (a
 * body in another syntax, a parameter in two places, an upload ID of another key). Each is
 * correctly signed by alice and aims at bob's private data; each must leave it untouched.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBucket,
  createUser,
  createUserPool,
  identityPoolCredentials,
  type LocalServices,
  REGION,
  registerIdentityPool,
  signIn,
  startLocalServices,
} from '../support';

const BUCKET = 'user-files-side-doors';

interface Caller {
  readonly identityId: string;
  readonly credentials: AwsCredentialIdentity;
  readonly s3: S3Client;
}

let services: LocalServices;
let alice: Caller;
let bob: Caller;

beforeAll(async () => {
  services = await startLocalServices();
  const pool = await createUserPool(services.userPool.url, 'side-doors');
  const identityPool = registerIdentityPool(services.store, pool, BUCKET);
  await createBucket(services, BUCKET);
  const callerFor = async (username: string): Promise<Caller> => {
    const user = await createUser(services.userPool.url, pool, username);
    const { idToken } = await signIn(services.userPool.url, pool, user);
    const resolved = await identityPoolCredentials(services, identityPool, pool, idToken)();
    const credentials = {
      accessKeyId: resolved.accessKeyId,
      secretAccessKey: resolved.secretAccessKey,
      sessionToken: resolved.sessionToken ?? '',
    };
    const s3 = new S3Client({
      region: REGION,
      endpoint: services.gateway.url,
      credentials,
      maxAttempts: 1,
    });
    return { identityId: resolved.identityId, credentials, s3 };
  };
  [alice, bob] = await Promise.all([callerFor('alice'), callerFor('bob')]);
});

afterAll(async () => {
  alice?.s3.destroy();
  bob?.s3.destroy();
  await services?.close();
});

const key = (caller: Caller, path: string) => `private/${caller.identityId}/${path}`;
const objectPath = (objectKey: string) =>
  `/${BUCKET}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;

async function put(caller: Caller, objectKey: string, body: string) {
  await caller.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: body }));
}

async function read(caller: Caller, objectKey: string): Promise<string> {
  const result = await caller.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
  return (await result.Body?.transformToString()) ?? '';
}

function signer(caller: Caller): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region: REGION,
    credentials: caller.credentials,
    sha256: Sha256,
    uriEscapePath: false,
  });
}

/** A header-signed request, sent exactly as given (fetch adds nothing: every header is set). */
async function signedFetch(
  caller: Caller,
  request: {
    method: string;
    path: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<{ status: number; text: string }> {
  const gateway = new URL(services.gateway.url);
  const signed = await signer(caller).sign({
    method: request.method,
    protocol: 'http:',
    hostname: gateway.hostname,
    port: Number(gateway.port),
    path: request.path,
    query: request.query ?? {},
    headers: { host: gateway.host, ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const query = new URLSearchParams(request.query ?? {}).toString().replaceAll('+', '%20');
  const response = await fetch(`${services.gateway.url}${request.path}${query ? `?${query}` : ''}`, {
    method: request.method,
    headers: signed.headers as Record<string, string>,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: response.status, text: await response.text() };
}

const code = (text: string) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
const md5 = (body: string) => createHash('md5').update(body).digest('base64');
const deleteXml = (objectKey: string) => `<Delete><Object><Key>${objectKey}</Key></Object></Delete>`;

describe('DeleteObjects: the body authorized is the body moto gets', () => {
  const attacks: Record<string, (own: string, target: string) => { contentType: string; body: string }> = {
    'a DOCTYPE whose internal-subset comment hides a decoy <Delete>': (own, target) => ({
      contentType: 'application/xml',
      body: `<?xml version="1.0"?><!DOCTYPE Delete [<!-- ]>${deleteXml(own)}<!-- -->]>${deleteXml(target)}`,
    }),
    'a DOCTYPE with an entity definition': (own, target) => ({
      contentType: 'application/xml',
      body: `<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY x "${deleteXml(own)}">]>${deleteXml(target)}`,
    }),
    'a form-urlencoded body (moto reads its last form key as the body)': (own, target) => ({
      contentType: 'application/x-www-form-urlencoded',
      body: `${deleteXml(own)}&key=1&${encodeURIComponent(deleteXml(target))}`,
    }),
    'a multipart/form-data body (moto reads its file part)': (own, target) => ({
      contentType: 'multipart/form-data; boundary=X',
      body:
        `${deleteXml(own)}<!--\r\n--X\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n` +
        `${deleteXml(target)}\r\n--X--\r\n-->`,
    }),
    'a processing instruction': (own, target) => ({
      contentType: 'application/xml',
      body: `<?xml version="1.0"?><?pi ${deleteXml(own)}?>${deleteXml(target)}`,
    }),
  };

  for (const [name, attack] of Object.entries(attacks)) {
    it(`refuses ${name}, and bob's object stays`, async () => {
      const slug = name.replace(/[^a-z]+/gi, '-');
      const own = key(alice, `decoy-${slug}.txt`);
      const target = key(bob, `target-${slug}.txt`);
      await Promise.all([put(alice, own, 'mine'), put(bob, target, 'bob only')]);
      const { contentType, body } = attack(own, target);
      const response = await signedFetch(alice, {
        method: 'POST',
        path: `/${BUCKET}`,
        query: { delete: '' },
        headers: { 'content-type': contentType, 'content-md5': md5(body) },
        body,
      });
      expect(await read(bob, target)).toBe('bob only');
      expect(response.status).toBe(400);
      expect(['MalformedXML', 'InvalidArgument']).toContain(code(response.text));
    });
  }

  it('still deletes a plain batch of the own keys, with comments and a CDATA key', async () => {
    const first = key(alice, 'plain-1.txt');
    const second = key(alice, 'plain <2>.txt');
    await Promise.all([put(alice, first, '1'), put(alice, second, '2')]);
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- two keys -->\n` +
      `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>${first}</Key></Object>` +
      `<Object><Key><![CDATA[${second}]]></Key></Object><Quiet>false</Quiet></Delete>`;
    const response = await signedFetch(alice, {
      method: 'POST',
      path: `/${BUCKET}`,
      query: { delete: '' },
      headers: { 'content-type': 'application/xml', 'content-md5': md5(body) },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.text).toContain(`<Key>${first}</Key>`);
    await expect(read(alice, first)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(read(alice, second)).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('CopyObject: the source authorized is the source moto copies', () => {
  /** A presigned PUT whose query carries `querySource` and whose (signed) header carries `headerSource`. */
  async function presignedCopy(target: string, querySource?: string, headerSource?: string) {
    const gateway = new URL(services.gateway.url);
    const presigned = await signer(alice).presign(
      {
        method: 'PUT',
        protocol: 'http:',
        hostname: gateway.hostname,
        port: Number(gateway.port),
        path: objectPath(target),
        query: querySource === undefined ? {} : { 'x-amz-copy-source': querySource },
        headers: {
          host: gateway.host,
          // As the SDK's presigner does: the payload is not signed, and this header is not sent.
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          ...(headerSource === undefined ? {} : { 'x-amz-copy-source': headerSource }),
        },
      },
      {
        expiresIn: 300,
        unsignableHeaders: new Set(['x-amz-content-sha256']),
        unhoistableHeaders: new Set(['x-amz-content-sha256', 'x-amz-copy-source']),
      },
    );
    const query = Object.entries(presigned.query ?? {})
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
      .join('&');
    const response = await fetch(`${services.gateway.url}${presigned.path}?${query}`, {
      method: 'PUT',
      headers: headerSource === undefined ? {} : { 'x-amz-copy-source': headerSource },
    });
    return { status: response.status, text: await response.text() };
  }

  it("refuses a query x-amz-copy-source beside a header one: bob's object is never copied", async () => {
    const own = key(alice, 'copy-decoy.txt');
    const secret = key(bob, 'copy-secret.txt');
    await Promise.all([put(alice, own, 'mine'), put(bob, secret, 'bob only')]);
    for (const [index, querySource] of [`${BUCKET}/${own}`, `${BUCKET}/${own}?versionId=null`].entries()) {
      const target = key(alice, `stolen-${index}.txt`);
      const response = await presignedCopy(target, querySource, `${BUCKET}/${secret}`);
      await expect(read(alice, target)).rejects.toMatchObject({ name: 'AccessDenied' });
      expect(response.status).toBe(400);
      expect(code(response.text)).toBe('InvalidArgument');
    }
  });

  it('copies a source given only in the presigned query, and refuses another identity’s', async () => {
    const own = key(alice, 'query-source.txt');
    await put(alice, own, 'copied through the query');
    const target = key(alice, 'query-copy.txt');
    expect((await presignedCopy(target, `${BUCKET}/${own}`)).status).toBe(200);
    expect(await read(alice, target)).toBe('copied through the query');

    const secret = key(bob, 'query-secret.txt');
    await put(bob, secret, 'bob only');
    const stolen = key(alice, 'query-stolen.txt');
    const refused = await presignedCopy(stolen, `${BUCKET}/${secret}`);
    expect(refused.status).toBe(403);
    await expect(read(alice, stolen)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('takes url-encoded ".." in a copy source literally, never as a path to another folder', async () => {
    const secret = key(bob, 'dots-secret.txt');
    await put(bob, secret, 'bob only');
    const target = key(alice, 'dots-copy.txt');
    const source = `${BUCKET}/private/${alice.identityId}/%2E%2E/%2e%2e/private/${bob.identityId}/dots-secret.txt`;
    const response = await signedFetch(alice, {
      method: 'PUT',
      path: objectPath(target),
      headers: { 'x-amz-copy-source': source },
    });
    expect(response.text).not.toContain('bob only');
    expect(response.status).toBe(404);
    expect(code(response.text)).toBe('NoSuchKey');
    await expect(read(alice, target)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses an x-amz-* header given twice, even when both copies are signed', async () => {
    const own = key(alice, 'twice.txt');
    const secret = key(bob, 'twice-secret.txt');
    await Promise.all([put(alice, own, 'mine'), put(bob, secret, 'bob only')]);
    const target = key(alice, 'twice-copy.txt');
    const sources = [`${BUCKET}/${own}`, `${BUCKET}/${secret}`];
    const gateway = new URL(services.gateway.url);
    // SigV4 signs repeated headers as one comma-joined value.
    const signed = await signer(alice).sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: gateway.hostname,
      port: Number(gateway.port),
      path: objectPath(target),
      query: {},
      headers: { host: gateway.host, 'x-amz-copy-source': sources.join(',') },
    });
    const headers: [string, string][] = Object.entries(signed.headers as Record<string, string>).filter(
      ([name]) => name !== 'x-amz-copy-source',
    );
    for (const source of sources) headers.push(['x-amz-copy-source', source]);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          host: gateway.hostname,
          port: gateway.port,
          method: 'PUT',
          path: objectPath(target),
          headers: headers.flat(),
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(400);
    expect(code(body)).toBe('InvalidArgument');
    await expect(read(alice, target)).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('multipart uploads: an upload ID is bound to its bucket and key', () => {
  async function uploadOf(caller: Caller, objectKey: string): Promise<string> {
    const created = await caller.s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: objectKey }),
    );
    return created.UploadId ?? '';
  }

  it("refuses UploadPart, ListParts, Complete and Abort on the own key with bob's upload ID (NoSuchUpload)", async () => {
    const bobsKey = key(bob, 'mp-target.bin');
    const bobsUpload = await uploadOf(bob, bobsKey);
    const own = key(alice, 'mp-own.bin');
    const params = { Bucket: BUCKET, Key: own, UploadId: bobsUpload };
    const noSuchUpload = { name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } };
    await expect(
      alice.s3.send(new UploadPartCommand({ ...params, PartNumber: 1, Body: 'planted by alice' })),
    ).rejects.toMatchObject(noSuchUpload);
    await expect(alice.s3.send(new ListPartsCommand(params))).rejects.toMatchObject(noSuchUpload);
    const complete = await signedFetch(alice, {
      method: 'POST',
      path: objectPath(own),
      query: { uploadId: bobsUpload },
      headers: { 'content-type': 'application/xml' },
      body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
    });
    expect(complete.status).toBe(404);
    expect(code(complete.text)).toBe('NoSuchUpload');
    await expect(alice.s3.send(new AbortMultipartUploadCommand(params))).rejects.toMatchObject(noSuchUpload);

    const parts = await bob.s3.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: bobsKey, UploadId: bobsUpload }),
    );
    expect(parts.Parts ?? []).toEqual([]);
    await bob.s3.send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: bobsKey, UploadId: bobsUpload }),
    );
  });

  it("never lets a form body carry bob's upload ID: the part lands, byte-exact, in the own upload", async () => {
    const bobsKey = key(bob, 'mp-form-target.bin');
    const bobsUpload = await uploadOf(bob, bobsKey);
    const own = key(alice, 'mp-form-own.bin');
    const ownUpload = await uploadOf(alice, own);
    const body = `uploadId=${encodeURIComponent(bobsUpload)}&partNumber=1`;
    const part = await signedFetch(alice, {
      method: 'PUT',
      path: objectPath(own),
      query: { partNumber: '1', uploadId: ownUpload },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(part.status).toBe(200);
    const bobsParts = await bob.s3.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: bobsKey, UploadId: bobsUpload }),
    );
    expect(bobsParts.Parts ?? []).toEqual([]);
    const ownParts = await alice.s3.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: own, UploadId: ownUpload }),
    );
    expect(ownParts.Parts?.map((entry) => entry.Size)).toEqual([Buffer.byteLength(body)]);

    // A form-typed CompleteMultipartUpload is not XML: refused before moto could read it as a form.
    const complete = await signedFetch(alice, {
      method: 'POST',
      path: objectPath(own),
      query: { uploadId: ownUpload },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `uploadId=${encodeURIComponent(bobsUpload)}`,
    });
    expect(complete.status).toBe(400);
    await Promise.all([
      bob.s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: bobsKey, UploadId: bobsUpload })),
      alice.s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: own, UploadId: ownUpload })),
    ]);
  });

  it('refuses ListMultipartUploads, so no upload outside what is authorized is ever shown', async () => {
    const response = await signedFetch(alice, {
      method: 'GET',
      path: `/${BUCKET}`,
      query: { uploads: '', prefix: key(alice, '') },
    });
    expect(response.status).toBe(403);
    expect(code(response.text)).toBe('AccessDenied');
  });
});
