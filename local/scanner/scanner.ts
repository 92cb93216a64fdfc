/**
 * The local stand-in for GuardDuty Malware Protection for S3: after each object created in a
 * scanned prefix, and a delay (`SCAN_DELAY_MS`), it reads the object's first MiB through the S3
 * gateway with its own role's credentials, finds the EICAR test string or not, tags the object
 * `GuardDutyMalwareScanStatus` through the gateway (which lets only this role tag) and sends the
 * scan-result event GuardDuty publishes to the events queue. No real engine: EICAR is the only
 * threat it knows, and it opens no archives.
 *
 * Never logged: credentials, object contents.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { httpStatusOf } from '../../lambdas/aws/errors';
import { isScanned, SCAN_TAG, type ScanResult, type ScanSettings } from '../../shared/domain/scan';
import { scanResultDocument } from '../../shared/events/scan-result';
import { ACCOUNT_ID } from '../core/aws-json';
import type { StorageWrite } from '../s3/writes';

/** The standard 68-byte antivirus test file (eicar.org): harmless, detected by every scanner. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
/** The name GuardDuty reports for it. */
export const EICAR_THREAT = 'EICAR-Test-File (not a virus)';
/** How much of each object is searched. */
const SCANNED_BYTES = 1024 * 1024;
export const DEFAULT_SCAN_DELAY_MS = 300;
const MAX_SCAN_DELAY_MS = 600_000;

export interface ScannerOptions {
  /** The S3 gateway's URL: the scanner reads and tags through it, as any caller. */
  readonly endpoint: string;
  readonly region: string;
  /** The scanner role's credentials (`buildScannerPolicy`). */
  readonly credentials: AwsCredentialIdentity;
  readonly bucket: string;
  readonly settings: ScanSettings;
  /** Wait after each write before scanning it. @default DEFAULT_SCAN_DELAY_MS */
  readonly delayMs?: number;
  /** Scans at once. @default 4 */
  readonly concurrency?: number;
  /** Where each scan-result event's JSON goes (the events queue). */
  readonly send: (body: string) => void;
  readonly log?: (line: string) => void;
  /**
   * Runs `work` in the key's write turn at the S3 gateway (`S3Gateway.inKeyTurn`): the scanner
   * checks the object's ETag and tags it there, so no overwrite can land between the two.
   */
  readonly inKeyTurn: <T>(bucket: string, key: string, work: () => Promise<T>) => Promise<T>;
  /** Called between an object's read and its tagging: tests replace the object here. */
  readonly afterRead?: (key: string) => Promise<void>;
  /** Called in the key's turn, after the ETag check and before the tag: tests race a write here. */
  readonly beforeTag?: (key: string) => Promise<void>;
}

export interface Scanner {
  /** The S3 gateway's write events (what GuardDuty learns from S3). */
  readonly onEvent: (write: StorageWrite) => void;
  /** Resolves once every scan asked for so far has ended (its result sent, or skipped). */
  drain(): Promise<void>;
  readonly stats: { scanned: number; skipped: number; failed: number };
  /** Drops scans not begun, waits for those running, and stops. */
  close(): Promise<void>;
}

/** `SCAN_DELAY_MS`: a whole number of ms up to 10 minutes; unset, the default. */
export function scanDelayFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.SCAN_DELAY_MS;
  if (raw === undefined || raw === '') return DEFAULT_SCAN_DELAY_MS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > MAX_SCAN_DELAY_MS) {
    throw new TypeError(`SCAN_DELAY_MS=${raw} is not a whole number of ms from 0 to ${MAX_SCAN_DELAY_MS}`);
  }
  return value;
}

/** Reads at most `limit` bytes of a stream, then lets it go. */
async function firstBytes(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= limit) break; // leaving the loop destroys the stream
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

const unquote = (etag: string | undefined) => (etag ?? '').replaceAll('"', '');

/** An SDK error's name and HTTP status. */
function failure(error: unknown): { name: string; status: number | undefined } {
  const { name } = (error ?? {}) as { name?: string };
  return { name: typeof name === 'string' ? name : typeof error, status: httpStatusOf(error) };
}

/** What one object's scan found, about the version (ETag) it read. */
interface Finding {
  readonly eTag: string;
  readonly result: ScanResult;
  readonly threats: string[];
}

class LocalScanner implements Scanner {
  readonly stats = { scanned: 0, skipped: 0, failed: 0 };
  private readonly s3: S3Client;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiting: string[] = [];
  private running = 0;
  private idle: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: ScannerOptions) {
    this.s3 = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: true,
      credentials: options.credentials,
      maxAttempts: 2,
    });
  }

  readonly onEvent = (write: StorageWrite): void => {
    const { bucket, settings } = this.options;
    if (this.closed || !write.name.startsWith('ObjectCreated:')) return;
    if (write.bucket !== bucket || !isScanned(settings, write.key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waiting.push(write.key);
      this.next();
    }, this.options.delayMs ?? DEFAULT_SCAN_DELAY_MS);
    this.timers.add(timer);
  };

  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.settle();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waiting.length = 0;
    await this.drain();
    this.s3.destroy();
  }

  /** Starts waiting scans while there is room. */
  private next(): void {
    while (!this.closed && this.running < (this.options.concurrency ?? 4) && this.waiting.length > 0) {
      const key = this.waiting.shift() as string;
      this.running += 1;
      void this.scan(key).finally(() => {
        this.running -= 1;
        this.next();
        this.settle();
      });
    }
  }

  private settle(): void {
    if (this.timers.size > 0 || this.waiting.length > 0 || this.running > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * One object: read, judged, tagged if unchanged, reported. An object it cannot read is skipped
   * only when it is gone (or changed while read: its own scan follows); otherwise its result is
   * what GuardDuty reports then, ACCESS_DENIED or FAILED, so it does not stay pending unseen.
   */
  private async scan(key: string): Promise<void> {
    let finding: Finding;
    try {
      finding = await this.read(key);
    } catch (error) {
      await this.unreadable(key, error);
      return;
    }
    try {
      await this.options.afterRead?.(key);
      if (!(await this.tag(key, finding))) {
        this.stats.skipped += 1;
        this.options.log?.(`scanner: ${key} skipped (changed since read; its own scan follows)`);
        return;
      }
      this.stats.scanned += 1;
      this.report(key, finding);
    } catch (error) {
      this.stats.failed += 1;
      this.options.log?.(`scanner: ${key} failed: ${failure(error).name}`);
      this.report(key, { ...finding, result: 'FAILED', threats: [] });
    }
  }

  private async read(key: string): Promise<Finding> {
    const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    const bytes = await firstBytes(answer.Body as Readable, SCANNED_BYTES);
    const infected = bytes.includes(EICAR, 0, 'latin1');
    return {
      eTag: unquote(answer.ETag),
      result: infected ? 'THREATS_FOUND' : 'NO_THREATS_FOUND',
      threats: infected ? [EICAR_THREAT] : [],
    };
  }

  /**
   * A read that failed. Gone (404; or 403 and the listing no longer has the key): skipped. Denied
   * while a HEAD now succeeds: the object was replaced during the read (the gateway refuses a read
   * whose object changed), skipped. Otherwise ACCESS_DENIED (AccessDenied) or FAILED (refused
   * credentials, an unavailable store, ...), tagged on the object there if possible and reported.
   */
  private async unreadable(key: string, error: unknown): Promise<void> {
    const { name, status } = failure(error);
    if (status === 404 || name === 'NoSuchKey') return this.skip(key, 'gone');
    const listed = await this.listed(key);
    if (status === 403 && listed === null) return this.skip(key, 'gone');
    if (name === 'AccessDenied' && (await this.headETag(key)) !== undefined)
      return this.skip(key, 'changed while read; its own scan follows');
    const result: ScanResult = name === 'AccessDenied' ? 'ACCESS_DENIED' : 'FAILED';
    this.stats.failed += 1;
    this.options.log?.(`scanner: ${key} ${result}: ${name}`);
    const finding: Finding = { eTag: listed ?? '', result, threats: [] };
    // As GuardDuty: the object is tagged with the result too, when the tag is still about it.
    if (listed) await this.tag(key, finding).catch(() => false);
    this.report(key, finding);
  }

  private skip(key: string, why: string): void {
    this.stats.skipped += 1;
    this.options.log?.(`scanner: ${key} skipped (${why})`);
  }

  /** The key's ETag as the listing shows it; null when it lists no such key; undefined if it cannot list. */
  private async listed(key: string): Promise<string | null | undefined> {
    try {
      const answer = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: key, MaxKeys: 1 }),
      );
      const first = answer.Contents?.[0];
      return first?.Key === key ? unquote(first.ETag) : null;
    } catch {
      return undefined;
    }
  }

  private async headETag(key: string): Promise<string | undefined> {
    const head = await this.s3
      .send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }))
      .catch(() => undefined);
    return head === undefined ? undefined : unquote(head.ETag);
  }

  /**
   * Tags the object with its result, keeping its other tags, unless it changed since it was read
   * (another ETag, or gone): false then. The check and the tag run in the key's write turn at the
   * gateway, so no write lands between them. (S3 itself has no conditional tagging: deployed, an
   * overwrite racing GuardDuty's tag could carry it until its own scan; docs/decisions.md §26.)
   */
  private tag(key: string, finding: Finding): Promise<boolean> {
    const { bucket } = this.options;
    return this.options.inKeyTurn(bucket, key, async () => {
      if ((await this.headETag(key)) !== finding.eTag) return false;
      await this.options.beforeTag?.(key);
      const current = await this.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
      const others = (current.TagSet ?? []).filter((tag) => tag.Key !== SCAN_TAG);
      await this.s3.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          Tagging: { TagSet: [...others, { Key: SCAN_TAG, Value: finding.result }] },
        }),
      );
      return true;
    });
  }

  /** The event GuardDuty publishes, as the queue receives it from EventBridge. */
  private report(key: string, finding: Finding): void {
    const { region, bucket } = this.options;
    const document = scanResultDocument({
      id: randomUUID(),
      account: ACCOUNT_ID,
      region,
      planArn: `arn:aws:guardduty:${region}:${ACCOUNT_ID}:malware-protection-plan/local-scanner`,
      bucket,
      key,
      eTag: finding.eTag,
      result: finding.result,
      threats: finding.threats,
      time: new Date().toISOString(),
    });
    this.options.send(JSON.stringify(document));
  }
}

export function startScanner(options: ScannerOptions): Scanner {
  return new LocalScanner(options);
}
