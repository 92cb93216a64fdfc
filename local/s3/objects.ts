/**
 * Object reads, plain writes and listings: GetObject, HeadObject and GetObjectTagging (a missing
 * key hidden from whoever may not list the bucket; response overrides applied), ListObjectsV2 (only moto's own
 * continuation tokens), and every operation forwarded as parsed with its verified body, if any.
 */
import { authorize } from './authorize';
import type { Exchange, GatewayContext } from './context';
import { accessDenied, S3Error } from './errors';
import { applyResponseOverrides } from './forwarding';
import type { ResolvedOperation } from './operations';
import { bucketArn } from './paths';

/** moto's continuation tokens: the MD5 (hex) of the last key listed. */
const CONTINUATION_TOKEN = /^[0-9a-f]{32}$/;

const invalidContinuationToken = () =>
  new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', {
    ArgumentName: 'continuation-token',
  });

/** Refuses a continuation token moto cannot have issued, before any body is read. */
export function checkContinuationToken(operation: ResolvedOperation): void {
  const token = operation.parameters.get('continuation-token');
  if (token !== undefined && !CONTINUATION_TOKEN.test(token)) throw invalidContinuationToken();
}

export async function getObject(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  const { operation } = exchange;
  // S3 answers a missing key with 404 only to a caller allowed s3:ListBucket on the bucket
  // (unconditioned: this check carries no s3:prefix); anyone else learns nothing, gets 403.
  const listCheck = { action: 's3:ListBucket', resource: bucketArn(operation.bucket), context: {} };
  const hideMissing = !(await authorize(exchange.principal, [listCheck]))[0];
  // Judged by its tags: held to the object those tags were read from (judged-objects.ts).
  const object = operation.checks[0]?.existingObject;
  const { headers, judged } = object
    ? await exchange.judged.readHeaders(object, exchange.target.headers)
    : { headers: exchange.target.headers, judged: undefined };
  try {
    return await ctx.moto.forward(
      exchange,
      { ...exchange.target, headers },
      {
        refuse: (code) => {
          if (code === 404 && hideMissing)
            return accessDenied('Access Denied', {}, 'missing key, and no s3:ListBucket to learn so');
          return code === 412 && judged !== undefined ? new ReplacedSinceJudged() : undefined;
        },
        rewriteHeaders: (answer) => applyResponseOverrides(answer, operation.parameters),
      },
    );
  } catch (error) {
    if (!(error instanceof ReplacedSinceJudged) || object === undefined || judged === undefined) throw error;
    // The key still holding the judged object, If-Match held: the client's If-Unmodified-Since failed.
    throw await exchange.judged.failedRead(object, judged, 'If-Unmodified-Since');
  }
}

/** A read held to the object it was judged by failed a precondition: which one is decided after. */
class ReplacedSinceJudged extends S3Error {
  constructor() {
    super(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
}

export function listObjectsV2(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  return ctx.moto.forward(exchange, exchange.target, {
    // moto fails (500) on a token it never issued; S3 answers 400.
    refuse: (code) =>
      code === 500 && exchange.operation.parameters.has('continuation-token')
        ? invalidContinuationToken()
        : undefined,
  });
}

/** Any other operation: the rebuilt request, with the verified object bytes if it carries them. */
export function forwardAsParsed(ctx: GatewayContext, exchange: Exchange): Promise<number> {
  const { spooled, summary } = exchange.body;
  const body = spooled ? { stream: spooled.open(), length: summary.length } : undefined;
  return ctx.moto.forward(exchange, { ...exchange.target, ...(body ? { body } : {}) });
}
