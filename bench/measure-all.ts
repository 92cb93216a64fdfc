/**
 * Every section of `npm run bench`, measured in the order bench/run.ts lists them (the in-process
 * ones first, before a local stack sets the endpoint variables in this process).
 */
import { countCognitoCalls } from './cognito-calls';
import { measureColdStart } from './cold-start';
import { runDeleteAll } from './delete-all';
import { runFleet } from './fleet-run';
import { measureHandler } from './in-process';
import { measureLedgerEvents } from './ledger-events';
import { measureLocalLoad } from './local-load';
import { type MultipartFigures, runMultipart } from './multipart-run';
import { measureScannedDownload, measureScanResults } from './scan-in-process';
import { measureScanning } from './scanning-run';

/** Every section's measurements, in the order the header lists them. */
export async function measureAll(quick: boolean, progress: (message: string) => void) {
  progress('warm handler path vs. bare presign...');
  const rounds = quick ? { warmup: 300, rounds: 10, batch: 50 } : { warmup: 2_000, rounds: 60, batch: 100 };
  const handler = await measureHandler(rounds);
  // Section 8's handler figure, here: no local stack has set endpoint variables in this process yet.
  progress('warm download handler, malware scanning on vs. off...');
  const scannedDownload = await measureScannedDownload(rounds);

  progress('Cognito and STS calls per access mode, over a simulated hour and day...');
  const cognito = await countCognitoCalls();

  const fleetUsers = quick ? 10_000 : 50_000;
  progress(`fleet of instances over two simulated days, ${fleetUsers} users, session store off and on...`);
  const fleet = await runFleet({ users: fleetUsers });

  progress('bundling and cold starts...');
  const cold = await measureColdStart(quick ? 3 : 15);

  progress(`local stack load (${quick ? 3 : 20} s)...`);
  const local = await measureLocalLoad(
    quick
      ? { seconds: 3, connections: 10, warmupSeconds: 1 }
      : { seconds: 20, connections: 10, warmupSeconds: 3 },
  );

  progress(`large uploads (${quick ? 64 : 256} MiB, helper vs. SDK, resume)...`);
  const multipart: MultipartFigures = await runMultipart(
    quick ? { mib: 64, rounds: 1 } : { mib: 256, rounds: 3 },
  );
  const deleteObjects = quick ? 1_000 : 10_000;
  progress(`DELETE /me/data over ${deleteObjects} objects...`);
  const deletion = await runDeleteAll(deleteObjects);
  progress('ledger under duplicated and reordered events, events function throughput...');
  const ledgerEvents = await measureLedgerEvents({ rounds: quick ? 2 : 5 });
  const scanUploads = quick ? 5 : 20;
  progress(`malware scanning: ${scanUploads} uploads to clean, scanner delay 0 and default, EICAR...`);
  const scanning = await measureScanning({ uploads: scanUploads });
  progress('events function over scan results...');
  const scanResults = await measureScanResults({ rounds: quick ? 2 : 5 });
  return {
    handler,
    cognito,
    fleet,
    cold,
    local,
    multipart,
    deletion,
    ledgerEvents,
    scanning,
    scanResults,
    scannedDownload,
  };
}

export type Measurements = Awaited<ReturnType<typeof measureAll>>;
