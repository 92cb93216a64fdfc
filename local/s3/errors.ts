/**
 * S3's error responses, as the local S3 gateway sends them: the same codes, status codes and XML
 * shape (`<Error><Code/><Message/><RequestId/></Error>`) as S3, so every SDK and the CLI report a
 * refusal exactly as they would against AWS; and how one is sent while a body may still be coming.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { XmlNode } from '@aws-sdk/xml-builder';

/** Request bodies up to this size are read and dropped before an early refusal, so clients see it. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra elements S3 adds for some errors (e.g. `ServerTime`, `HeadersNotSigned`). */
    readonly details: Readonly<Record<string, string>> = {},
    /** Why the gateway refused, for its log only: S3 never says more than its message. */
    readonly note?: string,
  ) {
    super(message);
    this.name = code;
  }
}

export const accessDenied = (message = 'Access Denied', details?: Record<string, string>, note?: string) =>
  new S3Error(403, 'AccessDenied', message, details, note);

export const signatureDoesNotMatch = () =>
  new S3Error(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );

export const invalidAccessKeyId = () =>
  new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');

export const preconditionFailed = (condition: string) =>
  new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
    Condition: condition,
  });

export const malformedXml = () =>
  new S3Error(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );

/** The XML body of an error response. */
export function errorXml(error: S3Error, requestId: string, resource?: string): string {
  const node = new XmlNode('Error')
    .addChildNode(XmlNode.of('Code', error.code))
    .addChildNode(XmlNode.of('Message', error.message));
  for (const [name, value] of Object.entries(error.details)) node.addChildNode(XmlNode.of(name, value));
  if (resource !== undefined) node.addChildNode(XmlNode.of('Resource', resource));
  node.addChildNode(XmlNode.of('RequestId', requestId));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${node.toString()}`;
}

/** Whatever went wrong, as S3 would say it: unexpected failures are S3's 500 InternalError. */
export function asS3Error(error: unknown): S3Error {
  return error instanceof S3Error
    ? error
    : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
}

export async function respondError(
  req: IncomingMessage,
  res: ServerResponse,
  error: S3Error,
  id: string,
  cors: Record<string, string>,
  /** `not-sent`: the client waits for 100-continue, so the body never comes on this connection. */
  body: 'read' | 'not-sent' | 'unread',
): Promise<void> {
  const xml = req.method === 'HEAD' ? '' : errorXml(error, id);
  const headers: OutgoingHttpHeaders = {
    ...cors,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amz-request-id': id,
  };
  if (body === 'not-sent' && !req.complete) headers.connection = 'close';
  if (body === 'unread' && !req.complete) {
    // The client may still be sending: drain a modest body so it reads our answer instead of a
    // reset connection; a larger one gets the answer and the connection closed.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared <= DRAIN_LIMIT_BYTES) {
      await new Promise<void>((resolve) => {
        req.on('end', resolve);
        req.on('close', resolve);
        req.on('error', () => resolve());
        req.resume();
      });
    } else {
      headers.connection = 'close';
    }
  }
  if (res.destroyed) return;
  res.writeHead(error.status, headers);
  res.end(xml);
}
