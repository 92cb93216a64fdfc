/**
 * Maps a path-style S3 request (`/{bucket}/{key}`) to the S3 operation it is and the IAM
 * authorization S3 performs for it: action(s), resource ARN(s) and the request's condition keys.
 * Only the operations the project's clients (and the malware scanner) use are recognised; anything
 * else (bucket ACLs, policies, CORS or versioning configuration, ListBuckets, object ACLs, ...) is
 * refused before the policy is even asked, as the deployed role grants none of it.
 */
import type { QueryParameter } from '../core/signed-request';
import { type AuthorizationCheck, objectRef } from './authorize';
import { type CopySource, copyChecks, parseCopySource } from './copy';
import { accessDenied, S3Error } from './errors';
import { RESPONSE_OVERRIDES } from './forwarding';
import { bucketArn, objectArn, parsePath } from './paths';
import type { TagSet } from './tagging';
import { writeChecks, writeTags } from './write-checks';

// Re-exported so request parsing keeps one import; each strict parser lives beside its family.
export { deleteRequestXml, parseDeleteRequest } from './batch-delete';
export { copySourceHeader, parseCopySource } from './copy';
export { completeRequestXml, parseCompleteRequest } from './multipart';
export { encodeKey, parsePath } from './paths';

export type OperationName =
  | 'GetObject'
  | 'HeadObject'
  | 'PutObject'
  | 'CopyObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListObjectsV2'
  | 'ListObjects'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'DeleteObjectTagging';

export interface S3Operation {
  readonly name: OperationName;
  readonly bucket: string;
  readonly key?: string;
  /**
   * Checks that must all be allowed; empty for DeleteObjects and PutObjectTagging, checked from
   * their bodies (per key; with the tags set).
   */
  readonly checks: readonly AuthorizationCheck[];
  /** Whether `x-amz-checksum-*` values describe this request's body. */
  readonly checksumsDescribeBody: boolean;
  /** The copy source that was authorized (CopyObject, UploadPartCopy): what moto is told to copy. */
  readonly copySource?: CopySource;
  /** The tags a write sets, as authorized (moto gets them re-encoded); undefined: none named. */
  readonly requestTags?: TagSet;
}

/** An operation with the S3 query parameters it was resolved from (what moto gets as its query). */
export type ResolvedOperation = S3Operation & { readonly parameters: ReadonlyMap<string, string> };

export interface OperationRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly query: readonly QueryParameter[];
  /** Verified `x-amz-*` values (headers and hoisted presigned parameters), lowercase names. */
  readonly amzParameters: ReadonlyMap<string, string>;
}

/** Parameters any request may carry: the SDK's operation hint and the signature's own parameters. */
const ALWAYS_ALLOWED = new Set(['x-id']);

/**
 * The S3 parameters of the request: everything but the signature's own and hoisted `x-amz-*` ones.
 * A repeated name is refused: the policy would judge one value while storage acted on another
 * (`?prefix=private/{other}/&prefix=private/{me}/`).
 */
function s3Parameters(query: readonly QueryParameter[]): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const { name, value } of query) {
    if (/^x-amz-/i.test(name)) continue;
    if (parameters.has(name))
      throw new S3Error(400, 'InvalidArgument', `Query parameter ${name} must be given once.`);
    parameters.set(name, value);
  }
  return parameters;
}

function refuse(operation: string): never {
  throw accessDenied('Access Denied', {}, `unsupported operation: ${operation}`);
}

/** Refuses parameters this operation does not take: an unknown subresource is another operation. */
function onlyParameters(
  parameters: Map<string, string>,
  allowed: readonly string[],
  operation: string,
): void {
  for (const name of parameters.keys()) {
    if (!ALWAYS_ALLOWED.has(name) && !allowed.includes(name)) refuse(`${operation}?${name}`);
  }
}

function listContext(parameters: Map<string, string>): Record<string, string> {
  const context: Record<string, string> = {};
  // IAM sets each key only when the request carries the parameter (an absent prefix is not "").
  for (const name of ['prefix', 'delimiter', 'max-keys']) {
    const value = parameters.get(name);
    if (value !== undefined) context[`s3:${name}`] = value;
  }
  return context;
}

function bucketOperation(
  request: OperationRequest,
  bucket: string,
  parameters: Map<string, string>,
): S3Operation {
  const method = request.method.toUpperCase();
  const arn = bucketArn(bucket);
  if (method === 'GET' && parameters.get('list-type') === '2') {
    onlyParameters(
      parameters,
      [
        'list-type',
        'continuation-token',
        'delimiter',
        'encoding-type',
        'fetch-owner',
        'max-keys',
        'prefix',
        'start-after',
      ],
      'ListObjectsV2',
    );
    return {
      name: 'ListObjectsV2',
      bucket,
      checks: [{ action: 's3:ListBucket', resource: arn, context: listContext(parameters) }],
      checksumsDescribeBody: false,
    };
  }
  if (method === 'GET' && !parameters.has('list-type')) {
    onlyParameters(parameters, ['delimiter', 'encoding-type', 'marker', 'max-keys', 'prefix'], 'ListObjects');
    return {
      name: 'ListObjects',
      bucket,
      checks: [{ action: 's3:ListBucket', resource: arn, context: listContext(parameters) }],
      checksumsDescribeBody: false,
    };
  }
  if (method === 'POST' && parameters.has('delete')) {
    onlyParameters(parameters, ['delete'], 'DeleteObjects');
    return { name: 'DeleteObjects', bucket, checks: [], checksumsDescribeBody: true };
  }
  refuse(`${method} bucket${[...parameters.keys()].map((name) => ` ?${name}`).join('')}`);
}

/** An object-level request, as the per-method mappings below read it. */
interface ObjectRequest {
  readonly method: string;
  readonly amz: ReadonlyMap<string, string>;
  readonly bucket: string;
  readonly key: string;
  readonly resource: string;
  readonly parameters: Map<string, string>;
  readonly copySource: CopySource | undefined;
  readonly base: { readonly bucket: string; readonly key: string; readonly checksumsDescribeBody: false };
}

function readOperation(request: ObjectRequest): S3Operation {
  const { method, parameters, resource, base } = request;
  if (method === 'GET' && parameters.has('uploadId')) {
    onlyParameters(parameters, ['uploadId', 'max-parts', 'part-number-marker'], 'ListParts');
    return {
      ...base,
      name: 'ListParts',
      checks: [{ action: 's3:ListMultipartUploadParts', resource, context: {} }],
    };
  }
  const versioned = parameters.has('versionId');
  const existingObject = existing(request);
  if (method === 'GET' && parameters.has('tagging')) {
    onlyParameters(parameters, ['tagging', 'versionId'], 'GetObjectTagging');
    const action = versioned ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging';
    return { ...base, name: 'GetObjectTagging', checks: [{ action, resource, context: {}, existingObject }] };
  }
  const name = method === 'GET' ? 'GetObject' : 'HeadObject';
  onlyParameters(parameters, ['partNumber', 'versionId', ...Object.keys(RESPONSE_OVERRIDES)], name);
  const action = versioned ? 's3:GetObjectVersion' : 's3:GetObject';
  return { ...base, name, checks: [{ action, resource, context: {}, existingObject }] };
}

/** The object (or version) a request names, as it exists: what its tags are read from. */
function existing({ bucket, key, parameters }: ObjectRequest): AuthorizationCheck['existingObject'] {
  return objectRef(bucket, key, parameters.get('versionId'));
}

function uploadPartOperation(request: ObjectRequest): S3Operation {
  const { bucket, key, parameters, resource, base, copySource } = request;
  onlyParameters(parameters, ['uploadId', 'partNumber'], 'UploadPart');
  if (!parameters.has('uploadId') || !parameters.has('partNumber'))
    refuse('UploadPart without uploadId and partNumber');
  if (copySource !== undefined) {
    return {
      ...base,
      name: 'UploadPartCopy',
      checks: copyChecks(bucket, key, new Map(), copySource, undefined),
      copySource,
    };
  }
  return {
    ...base,
    name: 'UploadPart',
    checks: [{ action: 's3:PutObject', resource, context: {} }],
    checksumsDescribeBody: true,
  };
}

/** The operation's tags, when it names any (absent properties stay absent). */
const tagged = (tags: TagSet | undefined) => (tags === undefined ? {} : { requestTags: tags });

function putOperation(request: ObjectRequest): S3Operation {
  const { bucket, key, amz, parameters, base, copySource } = request;
  if (parameters.has('uploadId') || parameters.has('partNumber')) return uploadPartOperation(request);
  if (parameters.has('tagging')) {
    onlyParameters(parameters, ['tagging', 'versionId'], 'PutObjectTagging');
    // Judged once its body says which tags it sets (tagging.ts).
    return { ...base, name: 'PutObjectTagging', checks: [], checksumsDescribeBody: true };
  }
  onlyParameters(parameters, [], copySource === undefined ? 'PutObject' : 'CopyObject');
  const tags = writeTags(amz, copySource !== undefined);
  if (copySource !== undefined) {
    const checks = copyChecks(bucket, key, amz, copySource, tags);
    return { ...base, name: 'CopyObject', checks, copySource, ...tagged(tags) };
  }
  const checks = writeChecks(bucket, key, amz, tags);
  return { ...base, name: 'PutObject', checks, checksumsDescribeBody: true, ...tagged(tags) };
}

function postOperation(request: ObjectRequest): S3Operation | undefined {
  const { bucket, key, amz, parameters, resource, base } = request;
  if (parameters.has('uploads')) {
    onlyParameters(parameters, ['uploads'], 'CreateMultipartUpload');
    const tags = writeTags(amz, false);
    return {
      ...base,
      name: 'CreateMultipartUpload',
      checks: writeChecks(bucket, key, amz, tags),
      ...tagged(tags),
    };
  }
  if (parameters.has('uploadId')) {
    onlyParameters(parameters, ['uploadId'], 'CompleteMultipartUpload');
    return {
      ...base,
      name: 'CompleteMultipartUpload',
      checks: [{ action: 's3:PutObject', resource, context: {} }],
    };
  }
  return undefined;
}

function deleteOperation(request: ObjectRequest): S3Operation {
  const { amz, parameters, resource, base } = request;
  if (parameters.has('uploadId')) {
    onlyParameters(parameters, ['uploadId'], 'AbortMultipartUpload');
    return {
      ...base,
      name: 'AbortMultipartUpload',
      checks: [{ action: 's3:AbortMultipartUpload', resource, context: {} }],
    };
  }
  if (parameters.has('tagging')) {
    onlyParameters(parameters, ['tagging', 'versionId'], 'DeleteObjectTagging');
    const action = parameters.has('versionId') ? 's3:DeleteObjectVersionTagging' : 's3:DeleteObjectTagging';
    const check = { action, resource, context: {}, existingObject: existing(request) };
    return { ...base, name: 'DeleteObjectTagging', checks: [check] };
  }
  onlyParameters(parameters, ['versionId'], 'DeleteObject');
  const action = parameters.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
  const checks: AuthorizationCheck[] = [{ action, resource, context: {} }];
  if (amz.has('x-amz-bypass-governance-retention')) {
    checks.push({ action: 's3:BypassGovernanceRetention', resource, context: {} });
  }
  return { ...base, name: 'DeleteObject', checks };
}

function objectOperation(
  request: OperationRequest,
  bucket: string,
  key: string,
  parameters: Map<string, string>,
): S3Operation {
  const method = request.method.toUpperCase();
  const amz = request.amzParameters;
  const copyHeader = amz.get('x-amz-copy-source');
  const objectRequest: ObjectRequest = {
    method,
    amz,
    bucket,
    key,
    resource: objectArn(bucket, key),
    parameters,
    // Parsed whatever the method: a malformed copy source is refused as such on any request.
    copySource: copyHeader === undefined ? undefined : parseCopySource(copyHeader),
    base: { bucket, key, checksumsDescribeBody: false },
  };
  let operation: S3Operation | undefined;
  if (method === 'GET' || method === 'HEAD') operation = readOperation(objectRequest);
  else if (method === 'PUT') operation = putOperation(objectRequest);
  else if (method === 'POST') operation = postOperation(objectRequest);
  else if (method === 'DELETE') operation = deleteOperation(objectRequest);
  if (operation) return operation;
  refuse(`${method} object${[...parameters.keys()].map((name) => ` ?${name}`).join('')}`);
}

/** The operation a request is, with its authorization checks; throws AccessDenied for anything else. */
export function resolveOperation(request: OperationRequest): ResolvedOperation {
  const { bucket, key } = parsePath(request.rawPath);
  const parameters = s3Parameters(request.query);
  if (bucket === undefined) refuse('ListBuckets');
  const operation =
    key === undefined
      ? bucketOperation(request, bucket, parameters)
      : objectOperation(request, bucket, key, parameters);
  return { ...operation, parameters };
}
