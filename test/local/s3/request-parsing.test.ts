import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../../local/s3/body';
import {
  completeRequestXml,
  copySourceHeader,
  encodeKey,
  parseCompleteRequest,
  parseCopySource,
  parseDeleteRequest,
} from '../../../local/s3/operations';
import { UploadRegistry } from '../../../local/s3/uploads';
import { parseStrictXml } from '../../../local/s3/xml';

const s3Error = (fields: Record<string, unknown>) =>
  expect.objectContaining({ name: fields.code, ...fields });
const xml = (text: string) => Buffer.from(text, 'utf8');
const malformed = s3Error({ code: 'MalformedXML', status: 400 });

describe('the strict XML reader', () => {
  it('reads what S3 reads: declaration, comments, CDATA, references, line ends', () => {
    const root = parseStrictXml(
      xml(
        '\uFEFF<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<!-- c -->\n' +
          '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&amp;&lt;&#x41;&#66;\r\nz</Key>' +
          '</Object><Object><Key><![CDATA[<raw>&amp;]]></Key></Object><!-- end --></Delete>\n',
      ),
    );
    expect(root.name).toBe('Delete');
    expect(root.children.map((object) => object.children[0]?.text)).toEqual(['a&<AB\nz', '<raw>&amp;']);
  });

  it('refuses DTDs, processing instructions, undefined entities, other encodings and odd shapes', () => {
    for (const text of [
      '<!DOCTYPE Delete><Delete/>',
      '<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY e "x">]><Delete>&e;</Delete>',
      '<?xml-stylesheet href="x"?><Delete/>',
      '<Delete><?pi x?></Delete>',
      '<Delete>&nbsp;</Delete>',
      '<Delete>&amp</Delete>',
      '<Delete>&#0;</Delete>',
      '<Delete>&#xD800;</Delete>',
      '<?xml version="1.0" encoding="ISO-8859-1"?><Delete/>',
      '<s3:Delete xmlns:s3="x"/>',
      '<Delete><Key>a</Key>text</Delete>',
      '<Delete></Other>',
      '<Delete/><Delete/>',
      '<Delete a="1" a="2"/>',
      '<Delete><!-- a -- b --></Delete>',
      '<Delete>\u0001</Delete>',
      ' junk',
    ]) {
      expect(() => parseStrictXml(xml(text)), text).toThrow(malformed);
    }
    expect(() => parseStrictXml(Buffer.from([0x3c, 0x44, 0xff, 0x3e]))).toThrow(malformed);
    expect(() => parseStrictXml(xml(`${'<a>'.repeat(9)}${'</a>'.repeat(9)}`))).toThrow(malformed);
  });

  it('parses DeleteObjects strictly: conditional fields and unknown elements are refused, not dropped', () => {
    expect(
      parseDeleteRequest(xml('<Delete><Quiet>true</Quiet><Object><Key> k </Key></Object></Delete>')),
    ).toEqual({ quiet: true, entries: [{ key: ' k ' }] });
    for (const text of [
      '<Delete><Object><Key>k</Key><ETag>"e"</ETag></Object></Delete>',
      '<Delete><Object><Key>k</Key><Key>l</Key></Object></Delete>',
      '<Delete><Object><Key></Key></Object></Delete>',
      '<Delete><Quiet>yes</Quiet><Object><Key>k</Key></Object></Delete>',
      '<Delete><Object><Key><b>k</b></Key></Object></Delete>',
      `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`,
    ]) {
      expect(() => parseDeleteRequest(xml(text)), text).toThrow(malformed);
    }
  });

  it('parses and rebuilds CompleteMultipartUpload', () => {
    const parts = [
      { partNumber: 1, etag: '"a&b"', checksums: [['ChecksumCRC32', 'AAAAAA==']] as [string, string][] },
      { partNumber: 2, etag: '"c"', checksums: [] },
    ];
    expect(parseCompleteRequest(xml(completeRequestXml(parts)))).toEqual(parts);
    for (const text of [
      '<CompleteMultipartUpload/>',
      '<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>e</ETag><UploadId>u</UploadId></Part></CompleteMultipartUpload>',
    ]) {
      expect(() => parseCompleteRequest(xml(text)), text).toThrow(malformed);
    }
  });

  it('refuses parts out of ascending order or repeated, as S3 does (InvalidPartOrder)', () => {
    const part = (n: number) => `<Part><PartNumber>${n}</PartNumber><ETag>e</ETag></Part>`;
    for (const order of [
      [2, 1],
      [1, 1],
      [1, 3, 2],
    ]) {
      const text = `<CompleteMultipartUpload>${order.map(part).join('')}</CompleteMultipartUpload>`;
      expect(() => parseCompleteRequest(xml(text)), text).toThrow(
        expect.objectContaining({ code: 'InvalidPartOrder', status: 400 }),
      );
    }
  });
});

describe('copy sources and keys', () => {
  it('accepts only bucket/key with an optional versionId, and rebuilds it unambiguously', () => {
    expect(parseCopySource('/b/a%20b/..%2Fc?versionId=v%2B1')).toEqual({
      bucket: 'b',
      key: 'a b/../c',
      versionId: 'v+1',
    });
    for (const value of ['b/k?versionId=', 'b/k?versionId=v?x', 'b/k?x=1', 'b/k?versionId=v&x=1', 'b/']) {
      expect(() => parseCopySource(value), value).toThrow(s3Error({ code: 'InvalidArgument' }));
    }
    expect(copySourceHeader({ bucket: 'b', key: 'p/../q?x', versionId: 'v&1' })).toBe(
      'b/p/%2E%2E/q%3Fx?versionId=v%261',
    );
    expect(encodeKey('a/./b/../c d')).toBe('a/%2E/b/%2E%2E/c%20d');
  });
});

describe('upload registry and byte budget', () => {
  it('binds an upload ID to its bucket and key, forgets it, and stays bounded', () => {
    const uploads = new UploadRegistry(2);
    uploads.record('u1', 'b', 'k1');
    expect(() => uploads.check('u1', 'b', 'k1')).not.toThrow();
    expect(() => uploads.check('u1', 'b', 'k2')).toThrow(s3Error({ code: 'NoSuchUpload', status: 404 }));
    expect(() => uploads.check('u1', 'other', 'k1')).toThrow(s3Error({ code: 'NoSuchUpload' }));
    uploads.record('u2', 'b', 'k2');
    uploads.record('u3', 'b', 'k3');
    expect(uploads.size).toBe(2);
    expect(() => uploads.check('u1', 'b', 'k1')).toThrow(s3Error({ code: 'NoSuchUpload' }));
    uploads.forget('u3');
    expect(() => uploads.check('u3', 'b', 'k3')).toThrow(s3Error({ code: 'NoSuchUpload' }));
  });

  it('refuses reservations past its limit and records the peak', () => {
    const budget = new ByteBudget(100);
    expect(budget.reserve(60)).toBe(true);
    expect(budget.reserve(50)).toBe(false);
    expect(budget.reserve(40)).toBe(true);
    budget.release(60);
    expect(budget.reserve(50)).toBe(true);
    expect(budget).toMatchObject({ inUse: 90, peak: 100 });
  });
});
