/**
 * Receiving a request's body the way its operation needs it (see body.ts): object bytes spooled to
 * a private temp directory, XML documents in memory, anything else read, verified and dropped.
 * The byte budgets are taken before the body is read (and before 100-continue), so a refusal
 * (EntityTooLarge, SlowDown) comes before the client sends it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerValue, type SignedRequest } from '../core/signed-request';
import {
  ByteBudget,
  entityTooLarge,
  receiveAndDiscard,
  receiveToFile,
  receiveToMemory,
  type SpooledBody,
  slowDown,
} from './body';
import { S3Error } from './errors';
import { mediaType } from './forwarding';
import type { ResolvedOperation } from './operations';
import type { PayloadSummary, PayloadVerifier } from './payload';

/** The largest XML body S3 takes (1,000 delete keys or 10,000 parts fit well within it). */
const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;
/** Content types an XML request body may declare (none at all is fine too). */
const XML_TYPES = new Set(['application/xml', 'text/xml']);

export interface BodyLimits {
  /** Largest request body accepted. */
  readonly maxBodyBytes: number;
  /** Disk shared by all object bodies being verified at once. */
  readonly spoolBudgetBytes: number;
  /** Memory shared by all XML bodies being parsed at once. */
  readonly memoryBudgetBytes: number;
}

export interface ReceivedBody {
  readonly summary: PayloadSummary;
  /** An XML body. */
  readonly memory?: Buffer;
  /** An object body. */
  readonly spooled?: SpooledBody;
  /** Gives the budget back and removes the spooled file; after the answer is sent. */
  release(): Promise<void>;
}

/** What a request's body is to the gateway: object bytes, an XML document to rebuild, or nothing. */
function bodyKind(operation: ResolvedOperation): 'object' | 'xml' | 'none' {
  switch (operation.name) {
    case 'PutObject':
    case 'UploadPart':
      return 'object';
    case 'DeleteObjects':
    case 'CompleteMultipartUpload':
    case 'PutObjectTagging':
      return 'xml';
    default:
      return 'none';
  }
}

export class BodyReceiver {
  private readonly spoolBudget: ByteBudget;
  private readonly memoryBudget: ByteBudget;

  private constructor(
    private readonly limits: BodyLimits,
    private readonly spoolDirectory: string,
  ) {
    this.spoolBudget = new ByteBudget(limits.spoolBudgetBytes);
    this.memoryBudget = new ByteBudget(limits.memoryBudgetBytes);
  }

  static async open(limits: BodyLimits): Promise<BodyReceiver> {
    // Private to this process's user (mkdtemp creates it 0700): bodies wait here until verified.
    return new BodyReceiver(limits, await mkdtemp(join(tmpdir(), 'local-s3-gateway-')));
  }

  /** Refuses an XML body that declares another type, before it is read. */
  checkContentType(operation: ResolvedOperation, signed: SignedRequest): void {
    if (bodyKind(operation) !== 'xml') return;
    const contentType = headerValue(signed, 'content-type');
    if (contentType !== undefined && !XML_TYPES.has(mediaType(contentType))) {
      throw new S3Error(400, 'InvalidArgument', `Content-Type ${mediaType(contentType)} is not XML.`, {
        ArgumentName: 'Content-Type',
      });
    }
  }

  /** Receives the body, verified; its budget is held until `release`. */
  async receive(
    req: IncomingMessage,
    res: ServerResponse,
    operation: ResolvedOperation,
    verifier: PayloadVerifier,
    expectsContinue: boolean,
  ): Promise<ReceivedBody> {
    const kind = bodyKind(operation);
    const limit = kind === 'xml' ? MAX_XML_BODY_BYTES : this.limits.maxBodyBytes;
    const declared = req.headers['content-length'];
    const declaredLength = declared === undefined ? undefined : Number(declared);
    if (declaredLength !== undefined && declaredLength > limit) throw entityTooLarge(limit);
    // Without a Content-Length (chunked transfer), the worst case is reserved.
    const reserved = kind === 'none' ? 0 : (declaredLength ?? limit);
    const budget = kind === 'xml' ? this.memoryBudget : this.spoolBudget;
    if (!budget.reserve(reserved)) throw slowDown();
    let released = false;
    const releaseBudget = () => {
      if (!released) budget.release(reserved);
      released = true;
    };
    try {
      if (expectsContinue) res.writeContinue();
      if (kind === 'xml') {
        const { body, summary } = await receiveToMemory(req, verifier, limit);
        return { summary, memory: body, release: async () => releaseBudget() };
      }
      if (kind === 'object') {
        const spooled = await receiveToFile(req, verifier, { directory: this.spoolDirectory, limit });
        const release = async () => {
          releaseBudget();
          await spooled.dispose();
        };
        return { summary: spooled.summary, spooled, release };
      }
      const summary = await receiveAndDiscard(req, verifier, limit);
      return { summary, release: async () => releaseBudget() };
    } catch (error) {
      releaseBudget();
      throw error;
    }
  }

  /** Body bytes held in memory and on disk, now and at most at once. */
  stats(): { memoryInUse: number; memoryPeak: number; spoolInUse: number; spoolPeak: number } {
    return {
      memoryInUse: this.memoryBudget.inUse,
      memoryPeak: this.memoryBudget.peak,
      spoolInUse: this.spoolBudget.inUse,
      spoolPeak: this.spoolBudget.peak,
    };
  }

  /** Removes the spool directory (and any body still in it). */
  close(): Promise<void> {
    return rm(this.spoolDirectory, { recursive: true, force: true });
  }
}
