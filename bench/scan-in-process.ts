/**
 * Malware scanning's own work, in process (no network):
 *
 * - `scan_results_per_s`: scan-result events (GuardDuty's, as `scanResultDocument` builds them) in
 *   SQS batches of 10 through the real `createEventsHandler`: 88 % NO_THREATS_FOUND (nothing to
 *   do), 10 % THREATS_FOUND (a conditional `DeleteObject`, answered by a fake, and a rejection in
 *   an in-memory ledger), 2 % FAILED (logged). Median over rounds, each on a fresh handler.
 * - `download_with_scan_us` vs. its unscanned twin: the warm `POST /files/downloads` handler with
 *   `MALWARE_SCANNING` on (one `GetObjectTagging`, answered in process) and off, in the same
 *   interleaved rounds, so the ratio is the tag read's cost without its network round trip.
 *
 * Deterministic workload: a seeded generator, so every run replays the same messages.
 */
import { GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../lambdas/api/config';
import type { EventsLedger } from '../lambdas/events/process';
import { SCAN_TAG, type ScanResult } from '../shared/domain/scan';
import { EMPTY_USAGE } from '../shared/events/ledger';
import { scanResultDocument } from '../shared/events/scan-result';
import {
  apiEvent,
  BENCH_ENV,
  benchApp,
  benchConfig,
  benchUser,
  lambdaContext,
  mockedCognito,
} from './in-process';
import { sqsBatches, timeEventsRounds } from './ledger-events';
import { measureRounds, type RoundsOptions, type Summary, seeded, summarize } from './stats';

const REGION = BENCH_ENV.AWS_REGION;
const BUCKET = BENCH_ENV.BUCKET_NAME;

export interface ScanResultsFigures {
  readonly resultsPerSecond: Summary;
  readonly messages: number;
  /** Of each kind in one round's messages. */
  readonly threats: number;
  readonly failed: number;
  /** Messages the function reported failed, over all rounds: 0 expected. */
  readonly failures: number;
}

/** The mix of one message: 10 % infected, 2 % failed, the rest clean. */
function drawResult(random: () => number): ScanResult {
  const draw = random();
  if (draw < 0.1) return 'THREATS_FOUND';
  if (draw < 0.12) return 'FAILED';
  return 'NO_THREATS_FOUND';
}

/** One scan-result event per message, as EventBridge puts GuardDuty's on the events queue. */
function scanBody(index: number, result: ScanResult): string {
  const owner = `us-east-1:${(index % 40).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const document = scanResultDocument({
    id: `bench-${index}`,
    account: '123456789012',
    region: REGION,
    planArn: `arn:aws:guardduty:${REGION}:123456789012:malware-protection-plan/bench`,
    bucket: BUCKET,
    key: `private/${owner}/bench/scan/file-${index}.bin`,
    eTag: `etag${index.toString(16).padStart(28, '0')}`,
    result,
    threats: result === 'THREATS_FOUND' ? ['EICAR-Test-File (not a virus)'] : [],
    time: new Date(1_767_225_600_000 + index).toISOString(),
  });
  return JSON.stringify(document);
}

function scanBatches(messages: number) {
  const random = seeded(20_261_207);
  const results = Array.from({ length: messages }, () => drawResult(random));
  const batches = sqsBatches(results.map((result, index) => scanBody(index, result)));
  const count = (kind: ScanResult) => results.filter((result) => result === kind).length;
  return { batches, threats: count('THREATS_FOUND'), failed: count('FAILED') };
}

/** What one round's handler did: deletes, rejections and 'scan failed' lines, checked against the mix. */
function scanFakes() {
  const done = { deletes: 0, rejections: 0, scanFailed: 0 };
  const s3 = {
    async send(command: { constructor: { name: string }; input: { IfMatch?: string } }) {
      // Only the scanned version may go: a delete without If-Match would be a bug.
      if (command.constructor.name === 'DeleteObjectCommand' && command.input.IfMatch) {
        done.deletes += 1;
        return {};
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as S3Client;
  const ledger: EventsLedger = {
    applyEvent: async () => {
      throw new Error('no object event in this workload');
    },
    entry: async () => undefined,
    usage: async () => ({ usage: EMPTY_USAGE, quota: {}, version: undefined }),
    recordRejection: async () => {
      done.rejections += 1;
    },
  };
  const log = (message: string) => {
    if (message === 'scan failed') done.scanFailed += 1;
  };
  return { s3, ledger, log, done };
}

export async function measureScanResults(options: {
  messages?: number;
  rounds: number;
}): Promise<ScanResultsFigures> {
  const messages = options.messages ?? 10_000;
  const { batches, threats, failed } = scanBatches(messages);
  // Each round on fresh fakes, its work checked against the mix.
  const timed = await timeEventsRounds(BUCKET, batches, options.rounds, () => {
    const fakes = scanFakes();
    return {
      ledger: fakes.ledger,
      s3: fakes.s3,
      log: fakes.log,
      check: () => {
        const { deletes, rejections, scanFailed } = fakes.done;
        if (deletes !== threats || rejections !== threats || scanFailed !== failed) {
          throw new Error(`scan results mishandled: ${JSON.stringify(fakes.done)}, ${threats} threats`);
        }
      },
    };
  });
  return { resultsPerSecond: timed.perSecond, messages, threats, failed, failures: timed.failures };
}

export interface ScannedDownloadFigures {
  /** Warm `POST /files/downloads`, scanning on: the tag read (in process) and the presign. */
  readonly withScanUs: Summary;
  /** The same request, scanning off, in the same rounds. */
  readonly withoutScanUs: Summary;
  /** with / without, per round. */
  readonly ratio: Summary;
}

const USERS = 8;
const KEY = 'photos/2026/holiday/IMG_0042.jpg';

export async function measureScannedDownload(options: RoundsOptions): Promise<ScannedDownloadFigures> {
  const users = Array.from({ length: USERS }, (_, i) => benchUser(i + 1));
  const cognito = mockedCognito(users);
  // Every S3 client in process answers the tag read from memory: a clean object.
  const s3 = mockClient(S3Client);
  s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: SCAN_TAG, Value: 'NO_THREATS_FOUND' }] });
  try {
    const scanned = benchApp(loadConfig({ ...BENCH_ENV, MALWARE_SCANNING: '1' }), cognito);
    const plain = benchApp(benchConfig(), cognito);
    const events = users.map((user) =>
      apiEvent(user, 'POST', '/files/downloads', { level: 'private', key: KEY }),
    );
    let next = 0;
    const call = async (app: typeof plain, scan: boolean) => {
      const result = await app(events[next++ % events.length] as (typeof events)[number], lambdaContext);
      if (result.statusCode !== 201 || result.body.includes('"scan":"clean"') !== scan) {
        throw new Error(`download answered ${result.statusCode}: ${result.body.slice(0, 200)}`);
      }
    };
    const rounds = await measureRounds(
      { scanned: () => call(scanned, true), plain: () => call(plain, false) },
      options,
    );
    const withScan = rounds.scanned ?? [];
    const without = rounds.plain ?? [];
    return {
      withScanUs: summarize(withScan),
      withoutScanUs: summarize(without),
      ratio: summarize(withScan.map((value, i) => value / (without[i] ?? Number.NaN))),
    };
  } finally {
    s3.restore();
    cognito.restore();
  }
}
