/**
 * Maps a path-style S3 request (`/{bucket}/{key}`) to the S3 operation it is and the IAM
 * authorization S3 performs for it: action(s), resource ARN(s) and the request's condition keys.
 * Only the operations the project's clients use are recognised; anything else (bucket ACLs,
 * policies, CORS or versioning configuration, ListBuckets, object ACLs and tags, ...) is refused
 * before the policy is even asked, as the deployed role grants none of it.
 */
import { XmlNode } from '@aws-sdk/xml-builder';
import type { QueryParameter } from '../core/sigv4-verify';
import { accessDenied, malformedXml, S3Error } from './errors';
import { childrenOf, leafText, parseStrictXml } from './xml';

export interface AuthorizationCheck {
  readonly action: string;
  readonly resource: string;
  /** Condition keys specific to this check (on top of the request's common keys). */
  readonly context: Readonly<Record<string, string | string[]>>;
  /** For DeleteObjects: the key this check is about. */
  readonly key?: string;
}

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
  | 'ListParts';

export interface S3Operation {
  readonly name: OperationName;
  readonly bucket: string;
  readonly key?: string;
  /** Checks that must all be allowed; empty for DeleteObjects, which is checked per key from its body. */
  readonly checks: readonly AuthorizationCheck[];
  /** Whether `x-amz-checksum-*` values describe this request's body. */
  readonly checksumsDescribeBody: boolean;
  /** The copy source that was authorized (CopyObject, UploadPartCopy): what moto is told to copy. */
  readonly copySource?: CopySource;
}

/** An operation with the S3 query parameters it was resolved from (what moto gets as its query). */
export type ResolvedOperation = S3Operation & { readonly parameters: ReadonlyMap<string, string> };

export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export interface OperationRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly query: readonly QueryParameter[];
  /** Verified `x-amz-*` values (headers and hoisted presigned parameters), lowercase names. */
  readonly amzParameters: ReadonlyMap<string, string>;
}

/** Parameters any request may carry: the SDK's operation hint and the signature's own parameters. */
const ALWAYS_ALLOWED = new Set(['x-id']);
const RESPONSE_OVERRIDES = [
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
];

function objectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** Splits a path-style request path into bucket and key (undefined for bucket-level requests). */
export function parsePath(rawPath: string): { bucket?: string; key?: string } {
  if (!rawPath.startsWith('/')) throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  const rest = rawPath.slice(1);
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  if (slash === -1) return { bucket: decodePathSegment(rest) };
  const bucket = decodePathSegment(rest.slice(0, slash));
  const key = decodePathSegment(rest.slice(slash + 1));
  return key === '' ? { bucket } : { bucket, key };
}

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

/** Extra actions S3 requires when a write also sets ACLs, tags or object-lock settings. */
function writeSideEffects(amz: ReadonlyMap<string, string>): string[] {
  const actions: string[] = [];
  if (amz.has('x-amz-acl') || [...amz.keys()].some((name) => name.startsWith('x-amz-grant-'))) {
    actions.push('s3:PutObjectAcl');
  }
  if (amz.has('x-amz-tagging')) actions.push('s3:PutObjectTagging');
  if (amz.has('x-amz-object-lock-mode') || amz.has('x-amz-object-lock-retain-until-date')) {
    actions.push('s3:PutObjectRetention');
  }
  if (amz.has('x-amz-object-lock-legal-hold')) actions.push('s3:PutObjectLegalHold');
  return actions;
}

function writeContext(amz: ReadonlyMap<string, string>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const name of [
    'x-amz-acl',
    'x-amz-server-side-encryption',
    'x-amz-server-side-encryption-aws-kms-key-id',
    'x-amz-storage-class',
    'x-amz-metadata-directive',
    'x-amz-copy-source',
  ]) {
    const value = amz.get(name);
    if (value !== undefined) context[`s3:${name}`] = value;
  }
  return context;
}

function writeChecks(bucket: string, key: string, amz: ReadonlyMap<string, string>): AuthorizationCheck[] {
  const resource = objectArn(bucket, key);
  const context = writeContext(amz);
  return ['s3:PutObject', ...writeSideEffects(amz)].map((action) => ({ action, resource, context }));
}

/** `x-amz-copy-source`: `[/]{bucket}/{url-encoded key}[?versionId=...]`, nothing else. */
export function parseCopySource(value: string): CopySource {
  const invalid = () =>
    new S3Error(
      400,
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    );
  const question = value.indexOf('?');
  const rawSource = question === -1 ? value : value.slice(0, question);
  const rawQuery = question === -1 ? undefined : value.slice(question + 1);
  const source = decodePathSegment(rawSource.startsWith('/') ? rawSource.slice(1) : rawSource);
  const slash = source.indexOf('/');
  if (slash <= 0 || slash === source.length - 1) throw invalid();
  let versionId: string | undefined;
  if (rawQuery !== undefined) {
    if (!/^versionId=[^&=?]+$/.test(rawQuery)) throw invalid();
    versionId = decodePathSegment(rawQuery.slice('versionId='.length));
  }
  return {
    bucket: source.slice(0, slash),
    key: source.slice(slash + 1),
    ...(versionId ? { versionId } : {}),
  };
}

/** The `x-amz-copy-source` moto gets: the authorized source, re-encoded unambiguously. */
export function copySourceHeader(source: CopySource): string {
  const path = `${encodeURIComponent(source.bucket)}/${encodeKey(source.key)}`;
  return source.versionId === undefined ? path : `${path}?versionId=${encodeURIComponent(source.versionId)}`;
}

/**
 * A key as a path, each segment percent-encoded; `.` and `..` segments too, so no HTTP layer on
 * the way can resolve them into another key.
 */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      segment === '.' || segment === '..' ? segment.replaceAll('.', '%2E') : encodeURIComponent(segment),
    )
    .join('/');
}

function copyChecks(
  bucket: string,
  key: string,
  amz: ReadonlyMap<string, string>,
  source: CopySource,
): AuthorizationCheck[] {
  return [
    {
      action: source.versionId ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(source.bucket, source.key),
      context: {},
    },
    ...writeChecks(bucket, key, amz),
  ];
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

function objectOperation(
  request: OperationRequest,
  bucket: string,
  key: string,
  parameters: Map<string, string>,
): S3Operation {
  const method = request.method.toUpperCase();
  const amz = request.amzParameters;
  const resource = objectArn(bucket, key);
  const base = { bucket, key, checksumsDescribeBody: false };
  const copyHeader = amz.get('x-amz-copy-source');
  const copySource = copyHeader === undefined ? undefined : parseCopySource(copyHeader);
  const versioned = parameters.has('versionId');
  switch (method) {
    case 'GET':
    case 'HEAD': {
      if (method === 'GET' && parameters.has('uploadId')) {
        onlyParameters(parameters, ['uploadId', 'max-parts', 'part-number-marker'], 'ListParts');
        return {
          ...base,
          name: 'ListParts',
          checks: [{ action: 's3:ListMultipartUploadParts', resource, context: {} }],
        };
      }
      const name = method === 'GET' ? 'GetObject' : 'HeadObject';
      onlyParameters(parameters, ['partNumber', 'versionId', ...RESPONSE_OVERRIDES], name);
      return {
        ...base,
        name,
        checks: [{ action: versioned ? 's3:GetObjectVersion' : 's3:GetObject', resource, context: {} }],
      };
    }
    case 'PUT': {
      if (parameters.has('uploadId') || parameters.has('partNumber')) {
        onlyParameters(parameters, ['uploadId', 'partNumber'], 'UploadPart');
        if (!parameters.has('uploadId') || !parameters.has('partNumber'))
          refuse('UploadPart without uploadId and partNumber');
        if (copySource !== undefined) {
          return {
            ...base,
            name: 'UploadPartCopy',
            checks: copyChecks(bucket, key, new Map(), copySource),
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
      onlyParameters(parameters, [], copySource === undefined ? 'PutObject' : 'CopyObject');
      if (copySource !== undefined) {
        return { ...base, name: 'CopyObject', checks: copyChecks(bucket, key, amz, copySource), copySource };
      }
      return {
        ...base,
        name: 'PutObject',
        checks: writeChecks(bucket, key, amz),
        checksumsDescribeBody: true,
      };
    }
    case 'POST': {
      if (parameters.has('uploads')) {
        onlyParameters(parameters, ['uploads'], 'CreateMultipartUpload');
        return { ...base, name: 'CreateMultipartUpload', checks: writeChecks(bucket, key, amz) };
      }
      if (parameters.has('uploadId')) {
        onlyParameters(parameters, ['uploadId'], 'CompleteMultipartUpload');
        return {
          ...base,
          name: 'CompleteMultipartUpload',
          checks: [{ action: 's3:PutObject', resource, context: {} }],
        };
      }
      break;
    }
    case 'DELETE': {
      if (parameters.has('uploadId')) {
        onlyParameters(parameters, ['uploadId'], 'AbortMultipartUpload');
        return {
          ...base,
          name: 'AbortMultipartUpload',
          checks: [{ action: 's3:AbortMultipartUpload', resource, context: {} }],
        };
      }
      onlyParameters(parameters, ['versionId'], 'DeleteObject');
      const checks: AuthorizationCheck[] = [
        { action: versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resource, context: {} },
      ];
      if (amz.has('x-amz-bypass-governance-retention')) {
        checks.push({ action: 's3:BypassGovernanceRetention', resource, context: {} });
      }
      return { ...base, name: 'DeleteObject', checks };
    }
  }
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

export interface DeleteEntry {
  readonly key: string;
  readonly versionId?: string;
}

export interface DeleteRequest {
  readonly quiet: boolean;
  readonly entries: readonly DeleteEntry[];
}

const MAX_DELETE_KEYS = 1000;
const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

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
export function deleteEntryCheck(bucket: string, entry: DeleteEntry): AuthorizationCheck {
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
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.toString()}`;
}

/** The `<Error>` elements S3 reports for keys it refused to delete. */
export function deleteErrorsXml(entries: readonly DeleteEntry[]): string {
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

/** Parses a CompleteMultipartUpload body, strictly: `<CompleteMultipartUpload><Part>...</Part>+</...>`. */
export function parseCompleteRequest(body: Buffer): CompletedPart[] {
  const root = parseStrictXml(body);
  if (root.name !== 'CompleteMultipartUpload') throw malformedXml();
  const groups = childrenOf(root, { Part: { min: 1, max: MAX_PARTS } });
  const parts = (groups.get('Part') ?? []).map((part): CompletedPart => {
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
  });
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
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.toString()}`;
}
