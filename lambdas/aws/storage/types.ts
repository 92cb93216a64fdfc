/**
 * The storage adapter's contract: the `Storage` operations the routes call, their inputs and
 * answers, and the options `createStorage` takes. Keys are always full S3 keys the routes have
 * already validated.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { StoredPart } from '../../../shared/domain/multipart';
import type { ScanStatus } from '../../../shared/domain/scan';
import type { IdentitySession } from '../identity';

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
  /**
   * The object's malware-scan status, from its scan tag (one GetObjectTagging; absent: `pending`).
   * Throws NotFoundError for a missing object, and storage's refusal when the caller may not read it.
   */
  scanStatus(session: IdentitySession, key: string): Promise<ScanStatus>;
  /**
   * HEAD that answers false for a missing object, and true for one storage refuses to describe but
   * the caller's listing shows (held by malware scanning); other failures still throw.
   */
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
  /**
   * Completes with exactly `parts`; `ifNoneMatch` makes storage refuse (412) an existing key. The
   * new object's ETag, as storage answered the completion.
   */
  completeMultipart(
    session: IdentitySession,
    input: MultipartTarget & { readonly parts: readonly StoredPart[]; readonly ifNoneMatch: boolean },
  ): Promise<{ etag: string }>;
  /** Idempotent: an upload that no longer exists is already aborted. */
  abortMultipart(session: IdentitySession, input: MultipartTarget): Promise<void>;

  // ---- Copies and bulk deletes ----
  /**
   * Copies `source` to `target` server-side with the session's credentials: one CopyObject up to
   * `multipartCopyThresholdBytes`, UploadPartCopy parts above. The source is pinned to the ETag the
   * caller checked (`CopySourceIfMatch`), so a replaced source is never copied under old rules.
   * A copy never carries the source's tags: a copy is a new object, scanned (when scanning is on)
   * like any upload, and pending until then.
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
