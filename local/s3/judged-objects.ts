/**
 * The existing objects one request was judged by, and serving exactly those. S3 decides and serves
 * a read in one step; here authorization reads an object's tags from moto and the read reaches moto
 * later, unserialized against writes (reads take no key's turn). So authorization reads the ETag
 * with the tags (a HEAD, then the tags `If-Match` that ETag: both of one object), and the read is
 * forwarded `If-Match` it: an object written in between is never served under the decision about
 * the one before. Such a read answers S3's 403 AccessDenied (what the new, untagged object gets),
 * unless it failed by the client's own precondition on the object it was judged by.
 *
 * A key missing at authorization has no ETag to hold the read to; an object written just after
 * was judged untagged, which is what every new object is (only the scanner tags). A CopyObject's
 * source is judged by its tags too but not held (moto ignores `x-amz-copy-source-if-match`): the
 * copy is a new object, untagged unless the COPY directive takes the source's tags with its bytes.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { ObjectRef } from './authorize';
import { accessDenied, preconditionFailed, S3Error } from './errors';
import type { TagSet } from './tagging';
import type { Moto } from './upstream';

/** An object as authorization read it: its tags, and (when it exists) the ETag they belong to. */
interface JudgedObject {
  readonly tags: TagSet;
  /** As moto gives it, quoted. */
  readonly etag?: string;
}

/** Tries to read one object's ETag and tags together before giving up on a key rewritten that fast. */
const READ_ATTEMPTS = 3;

const idOf = (object: ObjectRef) => JSON.stringify([object.bucket, object.key, object.versionId ?? null]);
const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replaceAll('"', '');

/** Whether an `If-Match` value (`*`, one ETag or a list, quoted or not) holds for `etag`. */
function ifMatchHolds(value: string, etag: string): boolean {
  const wanted = unquote(etag);
  return value.split(',').some((item) => item.trim() === '*' || unquote(item) === wanted);
}

export class JudgedObjects {
  private readonly reads = new Map<string, Promise<JudgedObject>>();

  constructor(private readonly moto: Moto) {}

  /** An object's tags (none for a missing object), read at most once per request. */
  readonly tags = (object: ObjectRef): Promise<TagSet> => this.read(object).then((judged) => judged.tags);

  /** The ETag of the object the request was judged by, if authorization read one. */
  private async etag(object: ObjectRef): Promise<string | undefined> {
    return (await this.reads.get(idOf(object)))?.etag;
  }

  /**
   * The headers a read of `object` is forwarded with: the client's, `If-Match` the ETag it was
   * judged by (unchanged when none was read). A client's `If-Match` that does not hold for that
   * object is answered here: 412 if the key still holds it, else 403.
   */
  async readHeaders(
    object: ObjectRef,
    headers: OutgoingHttpHeaders,
  ): Promise<{ headers: OutgoingHttpHeaders; judged?: string }> {
    const etag = await this.etag(object);
    if (etag === undefined) return { headers };
    const own = headers['if-match'];
    if (typeof own === 'string' && !ifMatchHolds(own, etag)) {
      throw await this.failedRead(object, etag, 'If-Match');
    }
    return { headers: { ...headers, 'if-match': etag }, judged: etag };
  }

  /**
   * Why a read held to `etag` failed its precondition (moto's 412): the client's own, if the key
   * still holds the object it was judged by; else that object is gone, and what replaced it was
   * never authorized: S3's 403.
   */
  async failedRead(object: ObjectRef, etag: string, condition: string): Promise<S3Error> {
    const now = await this.moto.head(object.bucket, object.key, object.versionId);
    return now.status === 200 && now.etag !== undefined && unquote(now.etag) === unquote(etag)
      ? preconditionFailed(condition)
      : accessDenied('Access Denied', {}, 'the object was replaced after it was authorized');
  }

  private read(object: ObjectRef): Promise<JudgedObject> {
    const id = idOf(object);
    let judged = this.reads.get(id);
    if (judged === undefined) {
      judged = this.readTogether(object);
      this.reads.set(id, judged);
    }
    return judged;
  }

  /** A HEAD for the ETag, then that object's tags (`If-Match` it); again if the key changed between. */
  private async readTogether({ bucket, key, versionId }: ObjectRef): Promise<JudgedObject> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt += 1) {
      const head = await this.moto.head(bucket, key, versionId);
      // Missing: no tags, and nothing to hold a read to.
      if (head.status === 404) return { tags: new Map() };
      // Not an object moto can HEAD: its tags as before, with nothing to hold a read to.
      if (head.status !== 200 || head.etag === undefined)
        return { tags: await this.moto.tags(bucket, key, versionId) };
      const tags = await this.moto.tags(bucket, key, versionId, head.etag);
      if (tags !== undefined) return { tags, etag: head.etag };
    }
    throw new S3Error(
      503,
      'SlowDown',
      'Please reduce your request rate.',
      {},
      'key rewritten while authorizing',
    );
  }
}
