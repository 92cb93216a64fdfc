/**
 * DeleteObjects: its body parsed strictly, each key authorized on its own (s3:DeleteObject or
 * ...Version), moto given a body rebuilt from exactly the allowed keys, and each refused key
 * reported in the result's `<Error>` list, as S3 does.
 */
import { XmlNode } from '@aws-sdk/xml-builder';
import { type AuthorizationCheck, authorize } from './authorize';
import type { Exchange, GatewayContext } from './context';
import { malformedXml, S3Error } from './errors';
import { xmlHeaders } from './forwarding';
import { objectArn } from './paths';
import { childrenOf, leafText, parseStrictXml, S3_NAMESPACE, xmlDocument } from './xml';

export interface DeleteEntry {
  readonly key: string;
  readonly versionId?: string;
}

export interface DeleteRequest {
  readonly quiet: boolean;
  readonly entries: readonly DeleteEntry[];
}

const MAX_DELETE_KEYS = 1000;

/**
 * Parses a DeleteObjects body, strictly: `<Delete><Quiet/>?<Object><Key/><VersionId/>?</Object>+</Delete>`.
 * Conditional-delete fields (ETag, LastModifiedTime, Size) are refused rather than dropped, since
 * the rebuilt body would otherwise delete unconditionally.
 */
export function parseDeleteRequest(body: Buffer): DeleteRequest {
  const root = parseStrictXml(body);
  if (root.name !== 'Delete') throw malformedXml();
  const groups = childrenOf(root, {
    Quiet: { min: 0, max: 1 },
    Object: { min: 1, max: MAX_DELETE_KEYS },
  });
  const quiet = leafText(groups.get('Quiet')?.[0]);
  if (quiet !== undefined && quiet !== 'true' && quiet !== 'false') throw malformedXml();
  const entries = (groups.get('Object') ?? []).map((object): DeleteEntry => {
    const fields = childrenOf(object, { Key: { min: 1, max: 1 }, VersionId: { min: 0, max: 1 } });
    const key = leafText(fields.get('Key')?.[0]);
    const versionId = leafText(fields.get('VersionId')?.[0]);
    if (!key || versionId === '') throw malformedXml();
    return versionId === undefined ? { key } : { key, versionId };
  });
  return { quiet: quiet === 'true', entries };
}

/** The checks for one DeleteObjects entry: each key needs s3:DeleteObject (or ...Version). */
function deleteEntryCheck(bucket: string, entry: DeleteEntry): AuthorizationCheck {
  return {
    action: entry.versionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion',
    resource: objectArn(bucket, entry.key),
    context: {},
    key: entry.key,
  };
}

/** A DeleteObjects body for the allowed subset of a request. */
export function deleteRequestXml(request: DeleteRequest): string {
  const root = new XmlNode('Delete').addAttribute('xmlns', S3_NAMESPACE);
  if (request.quiet) root.addChildNode(XmlNode.of('Quiet', 'true'));
  for (const entry of request.entries) {
    const object = new XmlNode('Object').addChildNode(XmlNode.of('Key', entry.key));
    if (entry.versionId !== undefined) object.addChildNode(XmlNode.of('VersionId', entry.versionId));
    root.addChildNode(object);
  }
  return xmlDocument(root.toString());
}

/** The `<Error>` elements S3 reports for keys it refused to delete. */
function deleteErrorsXml(entries: readonly DeleteEntry[]): string {
  return entries
    .map((entry) => {
      const error = new XmlNode('Error').addChildNode(XmlNode.of('Key', entry.key));
      if (entry.versionId !== undefined) error.addChildNode(XmlNode.of('VersionId', entry.versionId));
      return error
        .addChildNode(XmlNode.of('Code', 'AccessDenied'))
        .addChildNode(XmlNode.of('Message', 'Access Denied'))
        .toString();
    })
    .join('');
}

/** S3 requires DeleteObjects to carry an integrity check (verified with the client's body). */
function requireIntegrity(exchange: Exchange): void {
  const { headers } = exchange.target;
  const hasIntegrity =
    headers['content-md5'] !== undefined ||
    Object.keys(headers).some((name) => name.startsWith('x-amz-checksum-'));
  if (!hasIntegrity) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
}

/** Like S3: allowed keys are deleted, each refused key is reported in the result's <Error> list. */
export async function deleteObjects(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  const { operation, res } = exchange;
  requireIntegrity(exchange);
  const request = parseDeleteRequest(exchange.body.memory ?? Buffer.alloc(0));
  const checks = request.entries.map((entry) => deleteEntryCheck(operation.bucket, entry));
  const allowed = await authorize(exchange.principal, checks);
  const permitted = request.entries.filter((_, index) => allowed[index]);
  const refused = request.entries.filter((_, index) => !allowed[index]);
  if (permitted.length === 0) {
    const xml = xmlDocument(
      `<DeleteResult xmlns="${S3_NAMESPACE}">${deleteErrorsXml(refused)}</DeleteResult>`,
    );
    res.writeHead(200, {
      ...exchange.responseHeaders,
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(xml),
    });
    res.end(xml);
    return 200;
  }
  // Exactly the keys that were authorized, re-serialized: never the client's bytes.
  const xml = deleteRequestXml({ quiet: request.quiet, entries: permitted });
  const errors = deleteErrorsXml(refused);
  const { path, headers } = exchange.target;
  const status = await ctx.moto.forward(
    exchange,
    { path, headers: xmlHeaders(headers, xml, true), body: Buffer.from(xml, 'utf8') },
    refused.length > 0
      ? { transformXml: (answer) => answer.replace(/<\/DeleteResult>\s*$/, `${errors}</DeleteResult>`) }
      : {},
  );
  if (status === 200) {
    for (const entry of permitted)
      ctx.onEvent({ name: 'ObjectRemoved:Delete', bucket: operation.bucket, key: entry.key });
  }
  return status;
}
