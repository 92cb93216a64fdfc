/**
 * Multipart uploads: each upload ID bound to the bucket and key it was created for (recorded from
 * CreateMultipartUpload's answer, checked before any request naming it, forgotten once completed
 * or aborted), and CompleteMultipartUpload's part list parsed strictly and rebuilt for moto.
 * UploadPart, UploadPartCopy and ListParts are forwarded as parsed (see objects.ts).
 */
import { XmlNode } from '@aws-sdk/xml-builder';
import type { Exchange, GatewayContext } from './context';
import { malformedXml, S3Error } from './errors';
import { xmlHeaders } from './forwarding';
import type { ResolvedOperation } from './operations';
import type { UploadRegistry } from './uploads';
import { childrenOf, leafText, parseStrictXml, S3_NAMESPACE, type XmlElement, xmlDocument } from './xml';

export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
  /** `[element name, value]` of the part's checksums (ChecksumCRC32, ...). */
  readonly checksums: readonly (readonly [string, string])[];
}

const PART_CHECKSUMS = [
  'ChecksumCRC32',
  'ChecksumCRC32C',
  'ChecksumCRC64NVME',
  'ChecksumSHA1',
  'ChecksumSHA256',
] as const;
const MAX_PARTS = 10_000;

function parsePart(part: XmlElement): CompletedPart {
  const schema: Record<string, { min: number; max: number }> = {
    PartNumber: { min: 1, max: 1 },
    ETag: { min: 1, max: 1 },
  };
  for (const name of PART_CHECKSUMS) schema[name] = { min: 0, max: 1 };
  const fields = childrenOf(part, schema);
  const partNumber = leafText(fields.get('PartNumber')?.[0]) ?? '';
  const etag = leafText(fields.get('ETag')?.[0]) ?? '';
  if (!/^[1-9][0-9]{0,4}$/.test(partNumber) || Number(partNumber) > MAX_PARTS || etag === '') {
    throw malformedXml();
  }
  const checksums: [string, string][] = [];
  for (const name of PART_CHECKSUMS) {
    const value = leafText(fields.get(name)?.[0]);
    if (value !== undefined) checksums.push([name, value]);
  }
  return { partNumber: Number(partNumber), etag, checksums };
}

/** Parses a CompleteMultipartUpload body, strictly: `<CompleteMultipartUpload><Part>...</Part>+</...>`. */
export function parseCompleteRequest(body: Buffer): CompletedPart[] {
  const root = parseStrictXml(body);
  if (root.name !== 'CompleteMultipartUpload') throw malformedXml();
  const groups = childrenOf(root, { Part: { min: 1, max: MAX_PARTS } });
  const parts = (groups.get('Part') ?? []).map(parsePart);
  // As S3: parts must be listed in ascending order, each once (moto answers EntityTooSmall instead).
  if (parts.some((part, index) => index > 0 && part.partNumber <= (parts[index - 1]?.partNumber ?? 0))) {
    throw new S3Error(
      400,
      'InvalidPartOrder',
      'The list of parts was not in ascending order. Parts must be ordered by part number.',
    );
  }
  return parts;
}

/** The CompleteMultipartUpload body moto gets, rebuilt from the parsed parts. */
export function completeRequestXml(parts: readonly CompletedPart[]): string {
  const root = new XmlNode('CompleteMultipartUpload').addAttribute('xmlns', S3_NAMESPACE);
  for (const part of parts) {
    const node = new XmlNode('Part')
      .addChildNode(XmlNode.of('PartNumber', String(part.partNumber)))
      .addChildNode(XmlNode.of('ETag', part.etag));
    for (const [name, value] of part.checksums) node.addChildNode(XmlNode.of(name, value));
    root.addChildNode(node);
  }
  return xmlDocument(root.toString());
}

/** Throws NoSuchUpload when a request names an upload ID created for another bucket or key. */
export function checkUploadBinding(uploads: UploadRegistry, operation: ResolvedOperation): void {
  const uploadId = operation.parameters.get('uploadId');
  if (uploadId !== undefined && operation.key !== undefined) {
    uploads.check(uploadId, operation.bucket, operation.key);
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => {
    const map: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    return map[name] ?? '';
  });
}

export function createMultipartUpload(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  const { operation } = exchange;
  return ctx.moto.forward(exchange, exchange.target, {
    transformXml: (xml) => {
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1];
      if (uploadId !== undefined && operation.key !== undefined) {
        ctx.uploads.record(unescapeXml(uploadId), operation.bucket, operation.key);
      }
      return xml;
    },
  });
}

export async function completeMultipartUpload(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  const xml = completeRequestXml(parseCompleteRequest(exchange.body.memory ?? Buffer.alloc(0)));
  const { path, headers } = exchange.target;
  const status = await ctx.moto.forward(exchange, {
    path,
    headers: xmlHeaders(headers, xml, false),
    body: Buffer.from(xml),
  });
  if (status === 200) ctx.uploads.forget(exchange.operation.parameters.get('uploadId') ?? '');
  return status;
}

export async function abortMultipartUpload(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  const status = await ctx.moto.forward(exchange, exchange.target);
  if (status === 204) ctx.uploads.forget(exchange.operation.parameters.get('uploadId') ?? '');
  return status;
}
