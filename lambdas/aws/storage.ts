/**
 * The storage adapter: every S3 call and every presigned URL is made with the caller's own identity
 * credentials, through one S3 client per identity (LRU-bounded, rebuilt when its credentials are
 * refreshed). The endpoint comes from the SDK's standard configuration (`AWS_ENDPOINT_URL_S3`).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  ListPartsCommand,
  type ListPartsCommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { LRUCache } from 'lru-cache';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UpstreamError,
  ValidationError,
} from '../../shared/domain/errors';
import { presignWindow } from '../../shared/domain/expiry';
import { ownerPrefix } from '../../shared/domain/keys';
import { SHA256_BASE64 } from '../../shared/domain/limits';
import type { StoredPart } from '../../shared/domain/multipart';
import { httpStatusOf, isNotFound, isRejectedCredentials, RejectedCredentialsError } from './errors';
import type { IdentityCredentials, IdentitySession } from './identity';

export interface PresignedUrl {
  readonly url: string;
  readonly expiresAt: Date;
}

export interface PresignedPut extends PresignedUrl {
  /** Exactly the headers the uploader must send: all of them are signed. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface PutInput {
  /** Full S3 key, already validated. */
  readonly key: string;
  readonly contentType: string;
  readonly size: number;
  /** Base64 SHA-256 of the body: signed, so S3 verifies the body against it. */
  readonly sha256?: string;
  /** Sign `If-None-Match: *`, so the URL can never replace an existing object. */
  readonly ifNoneMatch?: boolean;
  readonly lifetimeSeconds: number;
}

export interface GetInput {
  readonly key: string;
  readonly contentDisposition?: string;
  /** Signed as `response-content-type`: the type storage answers with, whatever the object says. */
  readonly contentType?: string;
  readonly lifetimeSeconds: number;
}

export interface ListInput {
  /** Full S3 prefix, already validated. */
  readonly prefix: string;
  readonly delimiter?: string;
  readonly maxKeys: number;
  readonly continuationToken?: string;
}

export interface StoredObject {
  /** Full S3 key. */
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  readonly etag: string;
}

export interface ListPage {
  readonly objects: readonly StoredObject[];
  /** Full S3 prefixes of the sub-folders (with a delimiter). */
  readonly folders: readonly string[];
  readonly nextToken?: string;
}

export interface ObjectProperties {
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: Date;
  readonly sha256?: string;
}

export interface MultipartTarget {
  /** Full S3 key, already validated. */
  readonly key: string;
  readonly uploadId: string;
}

export interface PartPutInput extends MultipartTarget {
  readonly partNumber: number;
  readonly size: number;
  readonly sha256?: string;
  readonly lifetimeSeconds: number;
}

export interface StoredUpload {
  readonly parts: readonly StoredPart[];
  /** When storage's lifecycle rule aborts the upload, if the bucket has one. */
  readonly abortDate?: Date;
}

export interface Storage {
  presignPut(session: IdentitySession, input: PutInput): Promise<PresignedPut>;
  presignGet(session: IdentitySession, input: GetInput): Promise<PresignedUrl>;
  list(session: IdentitySession, input: ListInput): Promise<ListPage>;
  head(session: IdentitySession, key: string): Promise<ObjectProperties>;
  /**
   * Makes sure storage still accepts the session's credentials before a URL is signed with them, at
   * most once per `credentialCheckIntervalMs` per credential set (see `StorageOptions`). Throws only
   * when storage rejects the credentials themselves, so `withSession` refreshes them.
   */
  checkCredentials(session: IdentitySession): Promise<void>;
  /** HEAD that answers false for a missing object (other failures still throw). */
  exists(session: IdentitySession, key: string): Promise<boolean>;
  delete(session: IdentitySession, key: string): Promise<void>;
  /** Starts a multipart upload whose parts carry SHA-256 checksums. */
  createMultipart(
    session: IdentitySession,
    input: { readonly key: string; readonly contentType: string },
  ): Promise<{ uploadId: string; abortDate?: Date }>;
  presignUploadPart(session: IdentitySession, input: PartPutInput): Promise<PresignedPut>;
  /**
   * Throws NotFoundError unless the upload exists for this key with these credentials. A success
   * is remembered for a minute per identity, key and upload (forgotten on complete or abort), so a
   * client asking for part URLs one part at a time costs one listing, not one per part.
   */
  checkUpload(session: IdentitySession, input: MultipartTarget): Promise<void>;
  /** Every part storage holds (all pages), or only the first `maxParts`. */
  listParts(session: IdentitySession, input: MultipartTarget, maxParts?: number): Promise<StoredUpload>;
  /** Completes with exactly `parts`; `ifNoneMatch` makes storage refuse (412) an existing key. */
  completeMultipart(
    session: IdentitySession,
    input: MultipartTarget & { readonly parts: readonly StoredPart[]; readonly ifNoneMatch: boolean },
  ): Promise<void>;
  /** Idempotent: an upload that no longer exists is already aborted. */
  abortMultipart(session: IdentitySession, input: MultipartTarget): Promise<void>;

  // ---- Copies and bulk deletes ----
  /**
   * Copies `source` to `target` server-side with the session's credentials: one CopyObject up to
   * `multipartCopyThresholdBytes`, UploadPartCopy parts above. The source is pinned to the ETag the
   * caller checked (`CopySourceIfMatch`), so a replaced source is never copied under old rules.
   */
  copy(session: IdentitySession, input: CopyInput): Promise<ObjectProperties>;
  /** DeleteObjects of at most 1,000 full keys; throws if storage refuses any of them. */
  deleteMany(session: IdentitySession, keys: readonly string[]): Promise<void>;
}

export interface CopyInput {
  /** Full S3 keys, already validated and authorized by the route. */
  readonly sourceKey: string;
  readonly targetKey: string;
  /** The source as a HEAD just saw it: its size and type decide the rules, its ETag pins it. */
  readonly source: ObjectProperties;
  /** Send `If-None-Match: *`, so the copy never replaces an existing object (409). */
  readonly ifNoneMatch: boolean;
}

/** S3's limits for one CopyObject and for the parts of a multipart copy. */
export const MAX_COPY_OBJECT_BYTES = 5 * 1024 ** 3;
const MIN_PART_BYTES = 5 * 1024 ** 2;
const MAX_PARTS = 10_000;
/** The most keys one DeleteObjects takes. */
export const MAX_DELETE_KEYS = 1000;

export interface StorageOptions {
  readonly bucket: string;
  readonly region: string;
  readonly now?: () => number;
  /** S3 clients kept, one per identity. @default 200 */
  readonly maxClients?: number;
  /** Extra client settings (tests, benchmarks). */
  readonly clientConfig?: Partial<S3ClientConfig>;
  /**
   * How long credentials may sign URLs without storage having accepted them. Presigning never talks
   * to storage, so without a check a route that only presigns would keep signing with credentials
   * storage has dropped (revoked, or lost by the issuer) until they expire, handing out dead URLs
   * for up to an hour. Past this interval the next presign first makes one cheap call (a one-key
   * listing of the caller's own private folder); any S3 call that succeeds also counts.
   * @default 300000 (5 min)
   */
  readonly credentialCheckIntervalMs?: number;
  /** Objects larger than this are copied in parts. @default MAX_COPY_OBJECT_BYTES (5 GiB) */
  readonly multipartCopyThresholdBytes?: number;
  /** Part size of a multipart copy, raised as needed to stay within 10,000 parts. @default 512 MiB */
  readonly copyPartBytes?: number;
}

/**
 * Request timeouts for S3 calls; the SDK's standard retries (3 attempts) apply on top. The timeout
 * must throw (see COGNITO_TIMEOUTS): by default the SDK only warns and keeps waiting.
 */
export const S3_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 3_000,
  throwOnRequestTimeout: true,
} as const;

/**
 * A HEAD's error, named where S3 could not name it. S3 answers 400 to a HEAD of a validated key in
 * our bucket only for the request's credentials (an expired or invalid session token, which other
 * requests get as `ExpiredToken`/`InvalidToken`): so the request refreshes them once, as for those,
 * instead of failing as an unexpected error.
 */
function headError(error: unknown): unknown {
  const status = httpStatusOf(error);
  return status === 400
    ? new RejectedCredentialsError('storage answered 400 to a HEAD', { cause: error })
    : error;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
}

/** A multipart call's error, named: a vanished upload is a 404, a refused part list a 400. */
function multipartError(error: unknown): unknown {
  const code = errorCode(error);
  if (code === 'NoSuchUpload') {
    return new NotFoundError('no such upload: it was completed, aborted or has expired');
  }
  // Storage's own part checks, reached only if the parts changed between our listing and the
  // completion: the client's doing, so a 400 naming the handle.
  if (code === 'InvalidPart' || code === 'InvalidPartOrder' || code === 'EntityTooSmall') {
    return ValidationError.of(
      'upload',
      `storage refused the parts (${code}); ask for the progress and retry`,
    );
  }
  return error;
}

const LIST_PARTS_PAGE = 1000;
/** How long a confirmed upload is trusted to exist: only a courtesy, as storage refuses parts of a gone upload. */
const CONFIRMED_UPLOAD_TTL_MS = 60_000;
/** A key as the path part of `x-amz-copy-source`: each segment URL-encoded, `/` kept. */
function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/**
 * 412 on a copy: either the target exists (`If-None-Match: *`) or the source changed since it was
 * checked (`CopySourceIfMatch`); both are conflicts the caller can resolve, never a server error.
 */
function copyError(error: unknown, ifNoneMatch: boolean): unknown {
  if (httpStatusOf(error) !== 412 && (error as { name?: unknown })?.name !== 'PreconditionFailed')
    return error;
  return new ConflictError(
    ifNoneMatch
      ? 'the target already exists and overwrite is false, or the source changed during the copy'
      : 'the source changed during the copy; try again',
  );
}

/** Byte ranges of a multipart copy: at least 5 MiB each (but the last), at most 10,000 parts. */
export function copyPartRanges(
  size: number,
  preferredPartBytes: number,
): Array<{ start: number; end: number }> {
  const partBytes = Math.max(MIN_PART_BYTES, preferredPartBytes, Math.ceil(size / MAX_PARTS));
  const ranges: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < size; start += partBytes) {
    ranges.push({ start, end: Math.min(size, start + partBytes) - 1 });
  }
  return ranges;
}

/** Parts copied at once: enough to overlap S3's per-part latency, few enough for one Lambda. */
const COPY_PART_CONCURRENCY = 4;

export function createStorage(options: StorageOptions): Storage {
  const now = options.now ?? Date.now;
  const { bucket, region } = options;

  // No dispose hook: an evicted client may still be serving a concurrent request (the local stack
  // runs requests concurrently), so it is left to the garbage collector rather than destroyed.
  const clients = new LRUCache<string, { client: S3Client; credentials: IdentityCredentials }>({
    max: options.maxClients ?? 200,
  });

  function clientFor(session: IdentitySession): S3Client {
    const cached = clients.get(session.identityId);
    if (cached !== undefined && cached.credentials === session.credentials) return cached.client;
    const { accessKeyId, secretAccessKey, sessionToken, expiration } = session.credentials;
    const client = new S3Client({
      region,
      credentials: { accessKeyId, secretAccessKey, sessionToken, expiration },
      // Checksums only when we ask for one: otherwise the SDK would add a CRC32 to presigned PUTs
      // that the uploader cannot know.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: S3_TIMEOUTS,
      ...options.clientConfig,
    });
    clients.set(session.identityId, { client, credentials: session.credentials });
    return client;
  }

  const checkIntervalMs = options.credentialCheckIntervalMs ?? 300_000;
  // When storage last accepted each credential set (epoch ms), and checks in flight: keyed by the
  // credentials object, so a refreshed set starts afresh and dropped sets are collected.
  const acceptedAt = new WeakMap<IdentityCredentials, number>();
  const checking = new WeakMap<IdentityCredentials, Promise<void>>();
  const accepted = (session: IdentitySession) => acceptedAt.set(session.credentials, now());

  async function check(session: IdentitySession): Promise<void> {
    try {
      await clientFor(session).send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: ownerPrefix('private', session.identityId),
          MaxKeys: 1,
        }),
      );
      accepted(session);
    } catch (error) {
      // Only a rejection of the credentials matters here; anything else (storage slow or failing)
      // must not fail a route that does not need storage, and is checked again next time.
      if (isRejectedCredentials(error)) throw error;
    }
  }
  const confirmedUploads = new LRUCache<string, true>({ max: 1_000, ttl: CONFIRMED_UPLOAD_TTL_MS });
  const uploadKey = (session: IdentitySession, target: MultipartTarget) =>
    JSON.stringify([session.identityId, target.key, target.uploadId]);

  function window(session: IdentitySession, lifetimeSeconds: number) {
    const credentialsExpireAtMs = session.credentials.expiration.getTime();
    const nowMs = now();
    if (credentialsExpireAtMs - nowMs < 1_000)
      throw new UpstreamError('the signing credentials have expired');
    return presignWindow({ nowMs, lifetimeSeconds, credentialsExpireAtMs });
  }

  /**
   * S3 answers a missing key with 403, not 404, unless the caller may list the whole bucket, and
   * the role may list only under prefixes. A listing of the key as prefix tells the two apart.
   */
  async function isListed(session: IdentitySession, key: string): Promise<boolean> {
    const output = await clientFor(session).send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }),
    );
    // The exact key sorts first among the keys it prefixes.
    return output.Contents?.[0]?.Key === key;
  }

  const multipartCopyThreshold = options.multipartCopyThresholdBytes ?? MAX_COPY_OBJECT_BYTES;
  const copyPartBytes = options.copyPartBytes ?? 512 * 1024 ** 2;

  /** A multipart copy, aborted on any failure so no parts are left behind. */
  async function copyInParts(
    client: S3Client,
    copySource: string,
    input: CopyInput,
    ifNoneMatch: string | undefined,
  ): Promise<void> {
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: input.targetKey,
        ContentType: input.source.contentType,
      }),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new UpstreamError('storage did not start the multipart copy');
    try {
      const ranges = copyPartRanges(input.source.size, copyPartBytes);
      const etags: string[] = new Array(ranges.length);
      let next = 0;
      const worker = async () => {
        while (next < ranges.length) {
          const index = next++;
          const range = ranges[index] as { start: number; end: number };
          const part = await client.send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: input.targetKey,
              UploadId: uploadId,
              PartNumber: index + 1,
              CopySource: copySource,
              CopySourceIfMatch: input.source.etag,
              CopySourceRange: `bytes=${range.start}-${range.end}`,
            }),
          );
          const etag = part.CopyPartResult?.ETag;
          if (etag === undefined) throw new UpstreamError('storage did not return a copied part');
          etags[index] = etag;
        }
      };
      await Promise.all(Array.from({ length: Math.min(COPY_PART_CONCURRENCY, ranges.length) }, worker));
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: input.targetKey,
          UploadId: uploadId,
          IfNoneMatch: ifNoneMatch,
          MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
        }),
      );
    } catch (error) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: input.targetKey, UploadId: uploadId }))
        .catch(() => undefined); // the bucket's lifecycle rule aborts what this could not
      throw error;
    }
  }

  const storage: Storage = {
    async checkCredentials(session) {
      const { credentials } = session;
      const last = acceptedAt.get(credentials) ?? credentials.obtainedAt;
      if (now() - last < checkIntervalMs) return;
      let pending = checking.get(credentials);
      if (pending === undefined) {
        pending = check(session).finally(() => checking.delete(credentials));
        checking.set(credentials, pending);
      }
      await pending;
    },

    async presignPut(session, input) {
      const signed = window(session, input.lifetimeSeconds);
      const headers: Record<string, string> = {
        'Content-Type': input.contentType,
        'Content-Length': String(input.size),
      };
      const signable = new Set(['content-type', 'content-length']);
      // Kept as headers rather than hoisted into the query: S3 verifies the body against a checksum
      // header, and a conditional header is what makes the PUT conditional.
      const unhoistable = new Set<string>();
      if (input.sha256 !== undefined) {
        headers['x-amz-checksum-sha256'] = input.sha256;
        signable.add('x-amz-checksum-sha256');
        unhoistable.add('x-amz-checksum-sha256');
      }
      if (input.ifNoneMatch) {
        headers['If-None-Match'] = '*';
        signable.add('if-none-match');
      }
      const url = await getSignedUrl(
        clientFor(session),
        new PutObjectCommand({
          Bucket: bucket,
          Key: input.key,
          ContentType: input.contentType,
          ContentLength: input.size,
          ChecksumSHA256: input.sha256,
          IfNoneMatch: input.ifNoneMatch ? '*' : undefined,
        }),
        {
          expiresIn: signed.expiresInSeconds,
          signingDate: signed.signingDate,
          signableHeaders: signable,
          unhoistableHeaders: unhoistable,
        },
      );
      return { url, headers, expiresAt: signed.expiresAt };
    },

    async presignGet(session, input) {
      const signed = window(session, input.lifetimeSeconds);
      const url = await getSignedUrl(
        clientFor(session),
        new GetObjectCommand({
          Bucket: bucket,
          Key: input.key,
          ResponseContentDisposition: input.contentDisposition,
          ResponseContentType: input.contentType,
        }),
        { expiresIn: signed.expiresInSeconds, signingDate: signed.signingDate },
      );
      return { url, expiresAt: signed.expiresAt };
    },

    async list(session, input) {
      const output = await clientFor(session).send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: input.prefix,
          Delimiter: input.delimiter,
          MaxKeys: input.maxKeys,
          ContinuationToken: input.continuationToken,
        }),
      );
      accepted(session);
      const objects: StoredObject[] = [];
      for (const item of output.Contents ?? []) {
        if (item.Key === undefined) continue;
        objects.push({
          key: item.Key,
          size: item.Size ?? 0,
          lastModified: item.LastModified ?? new Date(0),
          etag: item.ETag ?? '',
        });
      }
      const folders = (output.CommonPrefixes ?? []).flatMap((entry) =>
        entry.Prefix === undefined ? [] : [entry.Prefix],
      );
      const nextToken = output.IsTruncated ? output.NextContinuationToken : undefined;
      return nextToken === undefined ? { objects, folders } : { objects, folders, nextToken };
    },

    async head(session, key) {
      let output: HeadObjectCommandOutput;
      try {
        output = await clientFor(session).send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
        );
      } catch (error) {
        if (httpStatusOf(error) === 403 && !(await isListed(session, key)))
          throw new NotFoundError('no such object');
        throw headError(error);
      }
      accepted(session);
      if (
        output.ContentLength === undefined ||
        output.ETag === undefined ||
        output.LastModified === undefined
      ) {
        throw new UpstreamError('storage returned incomplete object metadata');
      }
      const properties = {
        size: output.ContentLength,
        contentType: output.ContentType ?? 'application/octet-stream',
        etag: output.ETag,
        lastModified: output.LastModified,
      };
      const sha256 = output.ChecksumSHA256;
      return sha256 !== undefined && SHA256_BASE64.test(sha256) ? { ...properties, sha256 } : properties;
    },

    async exists(session, key) {
      try {
        await clientFor(session).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        accepted(session);
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        if (httpStatusOf(error) === 403 && !(await isListed(session, key))) return false;
        throw headError(error);
      }
    },

    async delete(session, key) {
      await clientFor(session).send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      accepted(session);
    },

    async createMultipart(session, input) {
      const output = await clientFor(session).send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: input.key,
          ContentType: input.contentType,
          // Every part then has a SHA-256 in storage: verified against the one the client signs,
          // or computed by storage when the client sends none.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      if (output.UploadId === undefined) throw new UpstreamError('storage returned no upload ID');
      return output.AbortDate === undefined
        ? { uploadId: output.UploadId }
        : { uploadId: output.UploadId, abortDate: output.AbortDate };
    },

    async presignUploadPart(session, input) {
      const signed = window(session, input.lifetimeSeconds);
      const headers: Record<string, string> = { 'Content-Length': String(input.size) };
      const signable = new Set(['content-length']);
      const unhoistable = new Set<string>();
      if (input.sha256 !== undefined) {
        // A header, not a query parameter: storage verifies the body against the header.
        headers['x-amz-checksum-sha256'] = input.sha256;
        signable.add('x-amz-checksum-sha256');
        unhoistable.add('x-amz-checksum-sha256');
      }
      const url = await getSignedUrl(
        clientFor(session),
        new UploadPartCommand({
          Bucket: bucket,
          Key: input.key,
          UploadId: input.uploadId,
          PartNumber: input.partNumber,
          ContentLength: input.size,
          ChecksumSHA256: input.sha256,
        }),
        {
          expiresIn: signed.expiresInSeconds,
          signingDate: signed.signingDate,
          signableHeaders: signable,
          unhoistableHeaders: unhoistable,
        },
      );
      return { url, headers, expiresAt: signed.expiresAt };
    },

    async checkUpload(session, input) {
      const key = uploadKey(session, input);
      if (confirmedUploads.has(key)) return;
      await storage.listParts(session, input, 1);
      confirmedUploads.set(key, true);
    },

    async listParts(session, input, maxParts) {
      const parts: StoredPart[] = [];
      let marker: string | undefined;
      let abortDate: Date | undefined;
      // At most 10 pages: an upload has at most 10,000 parts.
      for (;;) {
        let output: ListPartsCommandOutput;
        try {
          output = await clientFor(session).send(
            new ListPartsCommand({
              Bucket: bucket,
              Key: input.key,
              UploadId: input.uploadId,
              MaxParts: maxParts ?? LIST_PARTS_PAGE,
              PartNumberMarker: marker,
            }),
          );
        } catch (error) {
          throw multipartError(error);
        }
        abortDate ??= output.AbortDate;
        for (const part of output.Parts ?? []) {
          if (part.PartNumber === undefined || part.ETag === undefined || part.Size === undefined) continue;
          const sha256 = part.ChecksumSHA256;
          parts.push({
            partNumber: part.PartNumber,
            size: part.Size,
            etag: part.ETag,
            ...(sha256 !== undefined && SHA256_BASE64.test(sha256) ? { sha256 } : {}),
          });
        }
        const next = output.NextPartNumberMarker;
        if (maxParts !== undefined || !output.IsTruncated || next === undefined || next === marker) break;
        marker = next;
      }
      return abortDate === undefined ? { parts } : { parts, abortDate };
    },

    async completeMultipart(session, input) {
      confirmedUploads.delete(uploadKey(session, input));
      try {
        await clientFor(session).send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: input.key,
            UploadId: input.uploadId,
            IfNoneMatch: input.ifNoneMatch ? '*' : undefined,
            MultipartUpload: {
              Parts: input.parts.map((part) => ({
                PartNumber: part.partNumber,
                ETag: part.etag,
                ChecksumSHA256: part.sha256,
              })),
            },
          }),
        );
      } catch (error) {
        throw multipartError(error);
      }
    },

    async abortMultipart(session, input) {
      confirmedUploads.delete(uploadKey(session, input));
      try {
        await clientFor(session).send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: input.key, UploadId: input.uploadId }),
        );
      } catch (error) {
        if (errorCode(error) === 'NoSuchUpload') return;
        throw error;
      }
    },

    // ---- Copies and bulk deletes ----
    async copy(session, input) {
      const client = clientFor(session);
      const copySource = `${bucket}/${encodeKeyPath(input.sourceKey)}`;
      const ifNoneMatch = input.ifNoneMatch ? '*' : undefined;
      const { size, etag } = input.source;
      try {
        if (size <= multipartCopyThreshold) {
          const output = await client.send(
            new CopyObjectCommand({
              Bucket: bucket,
              Key: input.targetKey,
              CopySource: copySource,
              CopySourceIfMatch: etag,
              IfNoneMatch: ifNoneMatch,
            }),
          );
          accepted(session);
          const result = output.CopyObjectResult;
          return {
            ...input.source,
            etag: result?.ETag ?? etag,
            lastModified: result?.LastModified ?? new Date(now()),
          };
        }
        await copyInParts(client, copySource, input, ifNoneMatch);
      } catch (error) {
        throw copyError(error, input.ifNoneMatch);
      }
      accepted(session);
      return storage.head(session, input.targetKey);
    },

    async deleteMany(session, keys) {
      if (keys.length === 0) return;
      if (keys.length > MAX_DELETE_KEYS) throw new RangeError(`at most ${MAX_DELETE_KEYS} keys at once`);
      const output = await clientFor(session).send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Quiet: true, Objects: keys.map((Key) => ({ Key })) },
        }),
      );
      accepted(session);
      const errors = output.Errors ?? [];
      if (errors.length === 0) return;
      // The keys are the caller's own: a refusal is IAM's answer, anything else storage's failure.
      if (errors.some((error) => error.Code === 'AccessDenied')) {
        throw new ForbiddenError('storage refused to delete some of your objects');
      }
      throw new UpstreamError(`storage failed to delete ${errors.length} of ${keys.length} objects`);
    },
  };
  return storage;
}
