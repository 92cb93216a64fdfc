/**
 * Object tags, as the door reads and judges them: the tag set of a write (`x-amz-tagging`, a
 * URL-query-encoded set) and of PutObjectTagging (an XML body), each parsed strictly and rebuilt for
 * moto; the condition keys IAM sets from them (`s3:RequestObjectTagKeys`, `s3:RequestObjectTag/…`)
 * (an existing object's tags are authorize.ts's); and PutObjectTagging itself,
 * authorized once its body says which tags it sets.
 */
import { XmlNode } from '@aws-sdk/xml-builder';
import { type AuthorizationCheck, authorizeAll, objectRef } from './authorize';
import type { Exchange, GatewayContext } from './context';
import { malformedXml, S3Error } from './errors';
import { xmlHeaders } from './forwarding';
import { objectArn } from './paths';
import { childrenOf, leafText, parseStrictXml, S3_NAMESPACE, xmlDocument } from './xml';

export type TagSet = ReadonlyMap<string, string>;

/** S3's limits on an object's tag set. */
const MAX_TAGS = 10;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;

const invalidTag = (message: string) => new S3Error(400, 'InvalidTag', message);

/** Adds one tag, refusing what S3 refuses: a repeated key, an empty or long key or value, too many. */
function addTag(tags: Map<string, string>, key: string, value: string): void {
  if (tags.has(key)) throw invalidTag('Cannot provide multiple Tags with the same key');
  if (key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw invalidTag('The TagKey you have provided is invalid');
  if (value.length > MAX_VALUE_LENGTH) throw invalidTag('The TagValue you have provided is invalid');
  if (key.startsWith('aws:')) throw invalidTag('Your TagKey cannot be prefixed with aws:');
  tags.set(key, value);
  if (tags.size > MAX_TAGS) throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
}

function decodeTagPart(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw new S3Error(
      400,
      'InvalidArgument',
      'The header x-amz-tagging shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.',
      { ArgumentName: 'x-amz-tagging' },
    );
  }
}

/** `x-amz-tagging`: `key=value&key2=value2`, form-encoded, each key once. */
export function parseTaggingHeader(value: string): TagSet {
  const tags = new Map<string, string>();
  if (value === '') return tags;
  for (const pair of value.split('&')) {
    const equals = pair.indexOf('=');
    const key = decodeTagPart(equals === -1 ? pair : pair.slice(0, equals));
    addTag(tags, key, equals === -1 ? '' : decodeTagPart(pair.slice(equals + 1)));
  }
  return tags;
}

/** The `x-amz-tagging` moto gets: the parsed set, re-encoded. */
export function taggingHeader(tags: TagSet): string {
  return [...tags].map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
}

/** A `<Tagging><TagSet><Tag><Key/><Value/></Tag>*</TagSet></Tagging>` document (a body or moto's answer). */
export function parseTaggingXml(body: Buffer): TagSet {
  const root = parseStrictXml(body);
  if (root.name !== 'Tagging') throw malformedXml();
  const tagSet = childrenOf(root, { TagSet: { min: 1, max: 1 } }).get('TagSet')?.[0];
  if (tagSet === undefined) throw malformedXml();
  const tags = new Map<string, string>();
  for (const tag of childrenOf(tagSet, { Tag: { min: 0, max: MAX_TAGS + 1 } }).get('Tag') ?? []) {
    const fields = childrenOf(tag, { Key: { min: 1, max: 1 }, Value: { min: 1, max: 1 } });
    addTag(tags, leafText(fields.get('Key')?.[0]) ?? '', leafText(fields.get('Value')?.[0]) ?? '');
  }
  return tags;
}

export function taggingXml(tags: TagSet): string {
  const tagSet = new XmlNode('TagSet');
  for (const [key, value] of tags) {
    tagSet.addChildNode(
      new XmlNode('Tag').addChildNode(XmlNode.of('Key', key)).addChildNode(XmlNode.of('Value', value)),
    );
  }
  return xmlDocument(
    new XmlNode('Tagging').addAttribute('xmlns', S3_NAMESPACE).addChildNode(tagSet).toString(),
  );
}

/** What IAM sets for a request that carries tags; nothing for an empty set. */
export function requestTagContext(tags: TagSet): Record<string, string | string[]> {
  if (tags.size === 0) return {};
  return {
    's3:RequestObjectTagKeys': [...tags.keys()],
    ...Object.fromEntries([...tags].map(([key, value]) => [`s3:RequestObjectTag/${key}`, value])),
  };
}

/** PutObjectTagging: its tag set parsed, judged with it (and the object's tags), rebuilt for moto. */
export async function putObjectTagging(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  const { operation } = exchange;
  const tags = parseTaggingXml(exchange.body.memory ?? Buffer.alloc(0));
  const versionId = operation.parameters.get('versionId');
  const key = operation.key ?? '';
  const check: AuthorizationCheck = {
    action: versionId === undefined ? 's3:PutObjectTagging' : 's3:PutObjectVersionTagging',
    resource: objectArn(operation.bucket, key),
    context: requestTagContext(tags),
    existingObject: objectRef(operation.bucket, key, versionId),
  };
  await authorizeAll(exchange.principal, [check]);
  const xml = taggingXml(tags);
  const { path, headers } = exchange.target;
  return ctx.moto.forward(exchange, {
    path,
    headers: xmlHeaders(headers, xml, true),
    body: Buffer.from(xml),
  });
}
