import { Sha256 } from '@aws-crypto/sha256-js';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, test } from 'vitest';
import type { IdentitySession } from '../../../../lambdas/aws/identity';
import { createStorage } from '../../../../lambdas/aws/storage';
import { NotFoundError, UpstreamError } from '../../../../shared/domain/errors';
import { alice, bob, credentialsFor, T0 } from '../../support/fixtures';

const MIN = 60_000;
const SHA = 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=';

function session(user = alice, expiresAt = T0 + 60 * MIN): IdentitySession {
  const issued = credentialsFor(user, new Date(expiresAt));
  return {
    identityId: user.identityId,
    credentials: {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration,
      obtainedAt: T0,
    },
  };
}

const storage = (maxClients?: number) =>
  createStorage({ bucket: 'user-files-test', region: 'us-east-1', now: () => T0, maxClients });

/** Re-signs the request the uploader will send (URL + returned headers) and compares signatures. */
async function signatureMatches(url: string, headers: Record<string, string>): Promise<boolean> {
  const parsed = new URL(url);
  const query: Record<string, string> = {};
  for (const [name, value] of parsed.searchParams) if (name !== 'X-Amz-Signature') query[name] = value;
  const credential = (query['X-Amz-Credential'] ?? '').split('/');
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    sha256: Sha256,
    uriEscapePath: false,
    credentials: {
      accessKeyId: credential[0] ?? '',
      secretAccessKey: 'SECRET-ACCESS-KEY-user1',
      sessionToken: query['X-Amz-Security-Token'],
    },
  });
  const request = new HttpRequest({
    method: 'PUT',
    protocol: 'https:',
    hostname: parsed.hostname,
    path: parsed.pathname,
    headers: {
      host: parsed.hostname,
      ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    },
    query: { 'x-id': 'PutObject' },
  });
  const dateText = query['X-Amz-Date'] ?? '';
  const signingDate = new Date(
    `${dateText.slice(0, 4)}-${dateText.slice(4, 6)}-${dateText.slice(6, 8)}T${dateText.slice(9, 11)}:${dateText.slice(11, 13)}:${dateText.slice(13, 15)}Z`,
  );
  request.headers['X-Amz-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
  const signed = await signer.presign(request, {
    signingDate,
    expiresIn: Number(query['X-Amz-Expires']),
    signableHeaders: new Set(Object.keys(headers).map((name) => name.toLowerCase())),
    unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
  });
  return signed.query?.['X-Amz-Signature'] === parsed.searchParams.get('X-Amz-Signature');
}

describe('presigned PUT', () => {
  test('signs exactly the headers it returns: any other value breaks the signature', async () => {
    const put = await storage().presignPut(session(), {
      key: `private/${alice.identityId}/a.txt`,
      contentType: 'text/plain',
      size: 5,
      sha256: SHA,
      ifNoneMatch: true,
      lifetimeSeconds: 900,
    });
    expect(put.headers).toEqual({
      'Content-Type': 'text/plain',
      'Content-Length': '5',
      'x-amz-checksum-sha256': SHA,
      'If-None-Match': '*',
    });
    expect(await signatureMatches(put.url, { ...put.headers })).toBe(true);
    expect(await signatureMatches(put.url, { ...put.headers, 'Content-Length': '6' })).toBe(false);
    expect(await signatureMatches(put.url, { ...put.headers, 'Content-Type': 'text/html' })).toBe(false);
    expect(
      await signatureMatches(put.url, { ...put.headers, 'x-amz-checksum-sha256': `A${SHA.slice(1)}` }),
    ).toBe(false);
    const { 'If-None-Match': _dropped, ...withoutCondition } = put.headers;
    expect(await signatureMatches(put.url, withoutCondition)).toBe(false);
  });

  test('ends with the credentials when they expire first', async () => {
    const put = await storage().presignPut(session(alice, T0 + 10 * MIN), {
      key: 'k',
      contentType: 'text/plain',
      size: 1,
      lifetimeSeconds: 3600,
    });
    expect(put.expiresAt.getTime()).toBe(T0 + 10 * MIN);
    expect(new URL(put.url).searchParams.get('X-Amz-Expires')).toBe('600');
  });

  test('refuses to sign with credentials that have expired', async () => {
    await expect(
      storage().presignGet(session(alice, T0 + 500), { key: 'k', lifetimeSeconds: 60 }),
    ).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('S3 clients per identity', () => {
  test('each identity signs with its own credentials', async () => {
    const store = storage();
    const a = await store.presignGet(session(alice), { key: 'k', lifetimeSeconds: 60 });
    const b = await store.presignGet(session(bob), { key: 'k', lifetimeSeconds: 60 });
    expect(new URL(a.url).searchParams.get('X-Amz-Credential')).toMatch(/^ASIAUSER1KEY\//);
    expect(new URL(b.url).searchParams.get('X-Amz-Credential')).toMatch(/^ASIAUSER2KEY\//);
  });

  test('a client is reused for the same credentials and rebuilt when they are refreshed', async () => {
    const s3 = mockClient(S3Client);
    try {
      s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', LastModified: new Date(T0) });
      const store = storage();
      const first = session();
      await store.head(first, 'k');
      await store.head(first, 'k');
      const refreshed = session(alice, T0 + 120 * MIN);
      await store.head(refreshed, 'k');
      const clients = s3.commandCalls(HeadObjectCommand).map((call) => call.thisValue);
      expect(clients[0]).toBe(clients[1]);
      expect(clients[2]).not.toBe(clients[1]);
      expect(await (clients[2] as S3Client).config.credentials()).toMatchObject({
        expiration: new Date(T0 + 120 * MIN),
      });
    } finally {
      s3.restore();
    }
  });

  test('the client cache is bounded', async () => {
    const s3 = mockClient(S3Client);
    try {
      s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', LastModified: new Date(T0) });
      const store = storage(2);
      const sessions = [session(alice), session(bob)];
      await store.head(sessions[0] as IdentitySession, 'k');
      await store.head(sessions[1] as IdentitySession, 'k');
      await store.head(sessions[0] as IdentitySession, 'k');
      const third = { ...session(bob), identityId: 'us-east-1:00000000-0000-4000-8000-000000000003' };
      await store.head(third, 'k'); // evicts bob, the least recently used
      await store.head(sessions[1] as IdentitySession, 'k');
      const clients = s3.commandCalls(HeadObjectCommand).map((call) => call.thisValue);
      expect(clients[2]).toBe(clients[0]);
      expect(clients[4]).not.toBe(clients[1]);
    } finally {
      s3.restore();
    }
  });

  test('clients compute checksums only when asked, so presigned PUTs carry no CRC32', async () => {
    const s3 = mockClient(S3Client);
    try {
      s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', LastModified: new Date(T0) });
      await storage().head(session(), 'k');
      const client = s3.commandCalls(HeadObjectCommand)[0]?.thisValue as S3Client;
      expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
      expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    } finally {
      s3.restore();
    }
  });
});

describe('over the wire (SDK deserialization, no network)', () => {
  /** HEADs get `statusCode`; listings (GET on the bucket) list `listed` keys. */
  function storageAnswering(statusCode: number, listed: readonly string[] = []) {
    const seen: Array<{ method: string; path: string }> = [];
    const listing = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>user-files-test</Name><KeyCount>${listed.length}</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated>${listed
      .map((key) => `<Contents><Key>${key}</Key><Size>1</Size><ETag>"e"</ETag></Contents>`)
      .join('')}</ListBucketResult>`;
    const store = createStorage({
      bucket: 'user-files-test',
      region: 'us-east-1',
      now: () => Date.now(),
      clientConfig: {
        requestHandler: {
          handle: async (request: { method: string; path: string }) => {
            seen.push({ method: request.method, path: request.path });
            if (request.method === 'GET') {
              return {
                response: new HttpResponse({ statusCode: 200, headers: {}, body: Buffer.from(listing) }),
              };
            }
            return { response: new HttpResponse({ statusCode, headers: {}, body: Buffer.alloc(0) }) };
          },
        } as never,
      },
    });
    return { store, seen };
  }

  const live = () => session(alice, Date.now() + 60 * MIN);

  test('a HEAD answered 404 means the key is free', async () => {
    const { store, seen } = storageAnswering(404);
    expect(await store.exists(live(), `private/${alice.identityId}/a.txt`)).toBe(false);
    expect(seen).toEqual([
      { method: 'HEAD', path: `/private/${encodeURIComponent(alice.identityId)}/a.txt` },
    ]);
  });

  test('a HEAD answered 200 means it is taken', async () => {
    const { store } = storageAnswering(200);
    expect(await store.exists(live(), 'k')).toBe(true);
  });

  // Real S3 answers a missing key 403 unless the caller may list the whole bucket (our role may not).
  test('a HEAD answered 403 for a key its listing does not show means the key is free', async () => {
    const key = `private/${alice.identityId}/a.txt`;
    const { store, seen } = storageAnswering(403, [`${key}.bak`]);
    expect(await store.exists(live(), key)).toBe(false);
    expect(seen.map((request) => request.method)).toEqual(['HEAD', 'GET']);
    await expect(store.head(live(), key)).rejects.toBeInstanceOf(NotFoundError);
  });

  // Malware scanning: the bucket policy refuses a HEAD of an object not scanned clean yet, which the
  // caller's listing still shows. It is taken (overwrite: false is a conflict), not a refusal.
  test('a HEAD answered 403 for a key its listing shows means it is taken; head still refuses', async () => {
    const { store, seen } = storageAnswering(403, ['k']);
    expect(await store.exists(live(), 'k')).toBe(true);
    expect(seen.map((request) => request.method)).toEqual(['HEAD', 'GET']);
    await expect(store.head(live(), 'k')).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});
