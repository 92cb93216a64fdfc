import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../local/core/signed-request';
import {
  deleteRequestXml,
  parseCopySource,
  parseDeleteRequest,
  parsePath,
  resolveOperation,
} from '../../../local/s3/operations';
import { checkPayload, decodeAwsChunked } from '../../../local/s3/payload';
import { parseTaggingHeader, parseTaggingXml, taggingHeader, taggingXml } from '../../../local/s3/tagging';

function operation(method: string, url: string, amz: Record<string, string> = {}) {
  const [rawPath = '/', rawQuery = ''] = url.split('?');
  return resolveOperation({
    method,
    rawPath,
    query: parseQuery(rawQuery),
    amzParameters: new Map(Object.entries(amz)),
  });
}

/** An S3Error with these fields (code, status...). */
const s3Error = (fields: Record<string, unknown>) =>
  expect.objectContaining({ name: fields.code, ...fields });

describe('resolveOperation', () => {
  it('maps object reads and writes to their IAM action on the object ARN', () => {
    expect(operation('GET', '/b/private/me/a%20b.txt?x-id=GetObject')).toMatchObject({
      name: 'GetObject',
      key: 'private/me/a b.txt',
      checks: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/private/me/a b.txt' }],
    });
    expect(operation('HEAD', '/b/k').checks[0]?.action).toBe('s3:GetObject');
    expect(operation('GET', '/b/k?versionId=1').checks[0]?.action).toBe('s3:GetObjectVersion');
    expect(operation('PUT', '/b/k').checks.map((check) => check.action)).toEqual(['s3:PutObject']);
    expect(operation('DELETE', '/b/k').checks[0]?.action).toBe('s3:DeleteObject');
    expect(operation('DELETE', '/b/k?versionId=1').checks[0]?.action).toBe('s3:DeleteObjectVersion');
  });

  it('maps listing to s3:ListBucket on the bucket ARN with the prefix, delimiter and max-keys keys', () => {
    expect(operation('GET', '/b?list-type=2&prefix=private%2Fme%2F&delimiter=%2F&max-keys=10')).toMatchObject(
      {
        name: 'ListObjectsV2',
        checks: [
          {
            action: 's3:ListBucket',
            resource: 'arn:aws:s3:::b',
            context: { 's3:prefix': 'private/me/', 's3:delimiter': '/', 's3:max-keys': '10' },
          },
        ],
      },
    );
    // No prefix parameter: no s3:prefix key at all (the bucket root), as in IAM.
    expect(operation('GET', '/b/').checks[0]?.context).toEqual({});
    expect(operation('GET', '/b?prefix=x').name).toBe('ListObjects');
  });

  it('checks both sides of a copy and the multipart set', () => {
    expect(operation('PUT', '/b/dst', { 'x-amz-copy-source': '/b/src%20key' }).checks).toMatchObject([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/src key' },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/dst' },
    ]);
    expect(operation('PUT', '/b/dst?partNumber=1&uploadId=u', { 'x-amz-copy-source': 'b/src' }).name).toBe(
      'UploadPartCopy',
    );
    expect(operation('POST', '/b/k?uploads').name).toBe('CreateMultipartUpload');
    expect(operation('PUT', '/b/k?partNumber=1&uploadId=u')).toMatchObject({
      name: 'UploadPart',
      checksumsDescribeBody: true,
    });
    expect(operation('POST', '/b/k?uploadId=u')).toMatchObject({
      name: 'CompleteMultipartUpload',
      checksumsDescribeBody: false,
    });
    expect(operation('DELETE', '/b/k?uploadId=u').checks[0]?.action).toBe('s3:AbortMultipartUpload');
    expect(operation('GET', '/b/k?uploadId=u').checks[0]?.action).toBe('s3:ListMultipartUploadParts');
  });

  it('adds the permissions S3 requires for ACL and tagging side effects of a write', () => {
    expect(
      operation('PUT', '/b/k', { 'x-amz-acl': 'public-read', 'x-amz-tagging': 'a=b' }).checks.map(
        (c) => c.action,
      ),
    ).toEqual(['s3:PutObject', 's3:PutObjectAcl', 's3:PutObjectTagging']);
  });

  it('maps the tagging subresource to its actions, each judged with the object’s tags', () => {
    const existingObject = { bucket: 'b', key: 'k' };
    expect(operation('GET', '/b/k?tagging')).toMatchObject({
      name: 'GetObjectTagging',
      checks: [{ action: 's3:GetObjectTagging', resource: 'arn:aws:s3:::b/k', existingObject }],
    });
    expect(operation('GET', '/b/k?tagging&versionId=v').checks[0]).toMatchObject({
      action: 's3:GetObjectVersionTagging',
      existingObject: { ...existingObject, versionId: 'v' },
    });
    expect(operation('DELETE', '/b/k?tagging').checks[0]?.action).toBe('s3:DeleteObjectTagging');
    expect(operation('DELETE', '/b/k?tagging&versionId=v').checks[0]?.action).toBe(
      's3:DeleteObjectVersionTagging',
    );
    // Judged from its body, once the tags it sets are known.
    expect(operation('PUT', '/b/k?tagging')).toMatchObject({ name: 'PutObjectTagging', checks: [] });
    expect(operation('GET', '/b/k').checks[0]).toMatchObject({ existingObject });
  });

  it('judges a write with the tags it sets, and a copy only when it replaces them', () => {
    const tagged = { 'x-amz-tagging': 'GuardDutyMalwareScanStatus=NO_THREATS_FOUND&a=b%20c' };
    const context = {
      's3:RequestObjectTagKeys': ['GuardDutyMalwareScanStatus', 'a'],
      's3:RequestObjectTag/GuardDutyMalwareScanStatus': 'NO_THREATS_FOUND',
      's3:RequestObjectTag/a': 'b c',
    };
    for (const [method, url] of [
      ['PUT', '/b/k'],
      ['POST', '/b/k?uploads'],
    ] as const) {
      expect(operation(method, url, tagged).checks).toMatchObject([
        { action: 's3:PutObject', context },
        { action: 's3:PutObjectTagging', context },
      ]);
    }
    const copy = { 'x-amz-copy-source': 'b/src', ...tagged };
    const replace = operation('PUT', '/b/k', { ...copy, 'x-amz-tagging-directive': 'REPLACE' });
    expect(replace.checks.slice(1)).toMatchObject([
      { action: 's3:PutObject', context },
      { action: 's3:PutObjectTagging' },
    ]);
    expect(replace.requestTags).toEqual(
      new Map([
        ['GuardDutyMalwareScanStatus', 'NO_THREATS_FOUND'],
        ['a', 'b c'],
      ]),
    );
    // COPY (the default) ignores the header, as S3 does: no tag keys, nothing forwarded.
    const kept = operation('PUT', '/b/k', copy);
    expect(kept.checks.map((check) => check.action)).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(kept.checks[1]?.context).not.toHaveProperty('s3:RequestObjectTagKeys');
    expect(kept.requestTags).toBeUndefined();
    // A copy that replaces the tags with none needs no tagging permission.
    const untagged = operation('PUT', '/b/k', {
      'x-amz-copy-source': 'b/src',
      'x-amz-tagging-directive': 'REPLACE',
    });
    expect(untagged.checks.map((check) => check.action)).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(untagged.requestTags).toEqual(new Map());
    expect(() =>
      operation('PUT', '/b/k', { 'x-amz-copy-source': 'b/src', 'x-amz-tagging-directive': 'MERGE' }),
    ).toThrow(s3Error({ status: 400, code: 'InvalidArgument' }));
  });

  it('refuses everything else with AccessDenied', () => {
    for (const [method, url] of [
      ['GET', '/'],
      ['GET', '/b?acl'],
      ['GET', '/b?uploads'],
      ['GET', '/b?versions'],
      ['PUT', '/b'],
      ['PUT', '/b?cors'],
      ['DELETE', '/b'],
      ['HEAD', '/b'],
      ['GET', '/b/k?acl'],
      ['PUT', '/b/k?legal-hold'],
      ['GET', '/b/k?tagging&acl'],
      ['GET', '/b/k?attributes'],
      ['POST', '/b/k?restore'],
      ['POST', '/b/k'],
      ['GET', '/b/k?ACL'],
      ['GET', '/b?list-type=1'],
    ] as const) {
      expect(() => operation(method, url)).toThrow(s3Error({ status: 403, code: 'AccessDenied' }));
    }
  });

  it('parses paths and copy sources as S3 does', () => {
    expect(parsePath('/b//lead')).toEqual({ bucket: 'b', key: '/lead' });
    expect(parsePath('/b/a%2Fb+c')).toEqual({ bucket: 'b', key: 'a/b+c' });
    expect(() => parsePath('/b/%zz')).toThrow(s3Error({ code: 'InvalidURI' }));
    expect(parseCopySource('b/k%3Fx?versionId=v1')).toEqual({ bucket: 'b', key: 'k?x', versionId: 'v1' });
    expect(() => parseCopySource('just-a-bucket')).toThrow(s3Error({ code: 'InvalidArgument' }));
  });
});

describe('tag sets', () => {
  it('parses x-amz-tagging strictly and re-encodes it', () => {
    expect(parseTaggingHeader('a=1&b=&c&d=x+y%2Bz')).toEqual(
      new Map([
        ['a', '1'],
        ['b', ''],
        ['c', ''],
        ['d', 'x y+z'],
      ]),
    );
    expect(taggingHeader(new Map([['k y', 'v&w=']]))).toBe('k%20y=v%26w%3D');
    expect(parseTaggingHeader(taggingHeader(new Map([['k y', 'v&w=']])))).toEqual(new Map([['k y', 'v&w=']]));
    for (const bad of ['a=1&a=2', '=1', 'aws:x=1', `${'k'.repeat(129)}=1`, `k=${'v'.repeat(257)}`]) {
      expect(() => parseTaggingHeader(bad)).toThrow(s3Error({ status: 400, code: 'InvalidTag' }));
    }
    expect(() => parseTaggingHeader(Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&'))).toThrow(
      s3Error({ status: 400, code: 'BadRequest' }),
    );
    expect(() => parseTaggingHeader('a=%E0')).toThrow(s3Error({ status: 400, code: 'InvalidArgument' }));
  });

  it('parses a Tagging document strictly and rebuilds it', () => {
    const tags = new Map([
      ['GuardDutyMalwareScanStatus', 'THREATS_FOUND'],
      ['<k>', ''],
    ]);
    expect(parseTaggingXml(Buffer.from(taggingXml(tags)))).toEqual(tags);
    expect(parseTaggingXml(Buffer.from('<Tagging><TagSet/></Tagging>'))).toEqual(new Map());
    for (const bad of [
      '<Tagging/>',
      '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>',
      '<Tagging><TagSet><Tag><Key>a</Key><Value/><Value/></Tag></TagSet></Tagging>',
      '<Tagging><TagSet/><TagSet/></Tagging>',
      '<Other><TagSet/></Other>',
    ]) {
      expect(() => parseTaggingXml(Buffer.from(bad))).toThrow(s3Error({ code: 'MalformedXML' }));
    }
    const twice =
      '<Tagging><TagSet><Tag><Key>a</Key><Value/></Tag><Tag><Key>a</Key><Value/></Tag></TagSet></Tagging>';
    expect(() => parseTaggingXml(Buffer.from(twice))).toThrow(s3Error({ code: 'InvalidTag' }));
  });
});

describe('DeleteObjects bodies', () => {
  it('round-trips keys, versions and Quiet', () => {
    const request = { quiet: true, entries: [{ key: 'a&<b>' }, { key: 'c', versionId: 'v' }] };
    expect(parseDeleteRequest(Buffer.from(deleteRequestXml(request)))).toEqual(request);
  });

  it('refuses malformed or empty requests with MalformedXML', () => {
    for (const xml of [
      '<Delete>',
      '<Delete></Delete>',
      '<Other><Object><Key>a</Key></Object></Other>',
      'junk',
    ]) {
      expect(() => parseDeleteRequest(Buffer.from(xml))).toThrow(s3Error({ code: 'MalformedXML' }));
    }
  });
});

describe('payload checks', () => {
  const crc = (data: Buffer) => {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc32(data));
    return value.toString('base64');
  };
  const base = {
    header: () => undefined,
    amzParameters: new Map<string, string>(),
    checksumsDescribeBody: true,
  };

  it('decodes aws-chunked bodies with a verified trailer checksum', () => {
    const data = Buffer.from('hello world');
    const body = Buffer.from(`6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:${crc(data)}\r\n\r\n`);
    expect(decodeAwsChunked(body).data.toString()).toBe('hello world');
    const headers: Record<string, string> = {
      'x-amz-decoded-content-length': '11',
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    const checked = checkPayload({
      ...base,
      body,
      contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      header: (name) => headers[name],
    });
    expect(checked).toMatchObject({
      decodedFromChunks: true,
      trailerChecksum: ['x-amz-checksum-crc32', crc(data)],
    });
    expect(checked.body.toString()).toBe('hello world');

    const wrongTrailer = Buffer.from(
      `b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:${crc(Buffer.from('x'))}\r\n\r\n`,
    );
    expect(() =>
      checkPayload({
        ...base,
        body: wrongTrailer,
        contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        header: (name) => headers[name],
      }),
    ).toThrow(s3Error({ code: 'BadDigest' }));
    const truncated = Buffer.from('b\r\nhello');
    expect(() => decodeAwsChunked(truncated)).toThrow(s3Error({ code: 'IncompleteBody' }));
  });

  it('verifies the signed SHA-256, Content-MD5 and x-amz-checksum-* of the body', () => {
    const body = Buffer.from('payload');
    const sha = createHash('sha256').update(body).digest('hex');
    expect(checkPayload({ ...base, body, contentSha256: sha }).body).toEqual(body);
    expect(() => checkPayload({ ...base, body: Buffer.from('other'), contentSha256: sha })).toThrow(
      s3Error({ code: 'XAmzContentSHA256Mismatch' }),
    );
    const md5 = (value: string) => createHash('md5').update(value).digest('base64');
    expect(() =>
      checkPayload({ ...base, body, contentSha256: 'UNSIGNED-PAYLOAD', header: () => md5('x') }),
    ).toThrow(s3Error({ code: 'BadDigest' }));
    expect(() =>
      checkPayload({ ...base, body, contentSha256: 'UNSIGNED-PAYLOAD', header: () => 'short' }),
    ).toThrow(s3Error({ code: 'InvalidDigest' }));
    const checksum = (name: string, value: string) => ({
      ...base,
      body,
      contentSha256: 'UNSIGNED-PAYLOAD',
      amzParameters: new Map([[name, value]]),
    });
    expect(() => checkPayload(checksum('x-amz-checksum-crc32', crc(body)))).not.toThrow();
    expect(() => checkPayload(checksum('x-amz-checksum-crc32', crc(Buffer.from('x'))))).toThrow(
      s3Error({ code: 'BadDigest' }),
    );
    expect(() => checkPayload(checksum('x-amz-checksum-sha1', 'bm90LWEtc2hhMQ=='))).toThrow(
      s3Error({ code: 'InvalidRequest' }),
    );
    // A checksum of the whole object (CompleteMultipartUpload) is not the request body's.
    expect(() =>
      checkPayload({
        ...checksum('x-amz-checksum-crc32', crc(Buffer.from('x'))),
        checksumsDescribeBody: false,
      }),
    ).not.toThrow();
  });

  it('refuses signed streaming payloads it cannot verify rather than trusting them', () => {
    expect(() =>
      checkPayload({ ...base, body: Buffer.from(''), contentSha256: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }),
    ).toThrow(s3Error({ status: 501, code: 'NotImplemented' }));
  });
});
