/**
 * S3's error responses, as the local S3 gateway sends them: the same codes, status codes and XML
 * shape (`<Error><Code/><Message/><RequestId/></Error>`) as S3, so every SDK and the CLI report a
 * refusal exactly as they would against AWS.
 */
import { XmlNode } from '@aws-sdk/xml-builder';

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
